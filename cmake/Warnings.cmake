# Warnings for our own targets; call jpki_warnings(<target>).
function(jpki_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
    -Wformat=2 -Wimplicit-fallthrough)
  if(JPKI_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
option(JPKI_WERROR "Treat warnings as errors" OFF)
