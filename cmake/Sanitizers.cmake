# -DJPKI_SANITIZE=address   : ASan + UBSan
# -DJPKI_SANITIZE=thread    : TSan
set(JPKI_SANITIZE "" CACHE STRING "Sanitizer build: address or thread")
if(JPKI_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(JPKI_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT JPKI_SANITIZE STREQUAL "")
  message(FATAL_ERROR "JPKI_SANITIZE must be address or thread, not '${JPKI_SANITIZE}'")
endif()
