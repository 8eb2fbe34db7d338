# Where `cmake --install` puts the module and its p11-kit registration.
#
# p11-kit names its directories as absolute paths (pkg-config p11-kit-1: p11_module_path,
# p11_module_configs). Installing to those verbatim would write outside any other prefix, so
# they are taken relative to p11-kit's own prefix and installed under CMAKE_INSTALL_PREFIX
# (or `cmake --install --prefix DIR`, which is read at install time). With p11-kit's prefix
# (/usr on Debian) that is exactly where p11-kit looks. Needs P11KIT_* from Dependencies.cmake.
pkg_get_variable(P11KIT_PREFIX p11-kit-1 prefix)

# A plain `cmake --install build` keeps landing where p11-kit looks: the default prefix is
# p11-kit's (CMake's own default, /usr/local, is a directory p11-kit never reads).
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX "${P11KIT_PREFIX}" CACHE PATH "Install prefix (default: p11-kit's)" FORCE)
endif()

# <out> = <abs> relative to p11-kit's prefix, or <fallback> if <abs> lies outside it.
function(jpki_p11kit_relative out abs fallback)
  cmake_path(IS_PREFIX P11KIT_PREFIX "${abs}" NORMALIZE inside)
  if(inside)
    cmake_path(RELATIVE_PATH abs BASE_DIRECTORY "${P11KIT_PREFIX}" OUTPUT_VARIABLE rel)
    set(${out} "${rel}" PARENT_SCOPE)
  else()
    set(${out} "${fallback}" PARENT_SCOPE)
  endif()
endfunction()

jpki_p11kit_relative(_jpki_module_dir "${P11KIT_MODULE_PATH}" "lib/pkcs11")
jpki_p11kit_relative(_jpki_config_dir "${P11KIT_MODULE_CONFIGS}" "share/p11-kit/modules")
# Relative values are under the install prefix; an absolute value is used as given.
set(JPKI_P11KIT_MODULE_DIR "${_jpki_module_dir}" CACHE STRING
  "Where jpki-pkcs11.so goes (relative: under the install prefix)")
set(JPKI_P11KIT_CONFIG_DIR "${_jpki_config_dir}" CACHE STRING
  "Where jpki-pkcs11.module goes (relative: under the install prefix)")
