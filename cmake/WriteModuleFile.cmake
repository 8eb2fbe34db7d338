# Run at install time (install(CODE) in src/pkcs11): writes the jpki-pkcs11.module to install.
# The prefix is known only now (`cmake --install --prefix DIR` overrides the configured one).
# In p11-kit's own module directory a bare file name is enough (and survives a multiarch
# move); anywhere else the .module needs the absolute path, since p11-kit resolves relative
# names against its own directory only. DESTDIR never appears in it: it is a staging root.
#
# In: JPKI_MODULE_FILE_IN, JPKI_MODULE_FILE_OUT, JPKI_MODULE_DIR (relative to the prefix or
# absolute), JPKI_MODULE_NAME, P11KIT_MODULE_PATH; CMAKE_INSTALL_PREFIX from `cmake --install`.
set(_dir "${JPKI_MODULE_DIR}")
if(NOT IS_ABSOLUTE "${_dir}")
  set(_dir "${CMAKE_INSTALL_PREFIX}/${_dir}")
endif()
cmake_path(NORMAL_PATH _dir)
cmake_path(NORMAL_PATH P11KIT_MODULE_PATH OUTPUT_VARIABLE _p11kit_dir)
string(REGEX REPLACE "/$" "" _dir "${_dir}")
string(REGEX REPLACE "/$" "" _p11kit_dir "${_p11kit_dir}")
if(_dir STREQUAL _p11kit_dir)
  set(_module "${JPKI_MODULE_NAME}")
else()
  set(_module "${_dir}/${JPKI_MODULE_NAME}")
endif()
file(READ "${JPKI_MODULE_FILE_IN}" _text)
string(REGEX REPLACE "(^|\n)module:[^\n]*" "\\1module: ${_module}" _text "${_text}")
if(NOT _text MATCHES "(^|\n)module: ")
  message(FATAL_ERROR "${JPKI_MODULE_FILE_IN} has no 'module:' line")
endif()
file(WRITE "${JPKI_MODULE_FILE_OUT}" "${_text}")
