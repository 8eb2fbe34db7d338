# -DJPKI_SANITIZE=address   : ASan + UBSan
# -DJPKI_SANITIZE=thread    : TSan
# -DJPKI_SANITIZE=fuzzer    : libFuzzer instrumentation + ASan + UBSan (clang; scripts/fuzz.sh)
set(JPKI_SANITIZE "" CACHE STRING "Sanitizer build: address or thread")
if(JPKI_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(JPKI_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(JPKI_SANITIZE STREQUAL "fuzzer")
  # libFuzzer coverage + ASan + UBSan everywhere; the fuzz targets link -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT JPKI_SANITIZE STREQUAL "")
  message(FATAL_ERROR "JPKI_SANITIZE must be address, thread or fuzzer, not '${JPKI_SANITIZE}'")
endif()
