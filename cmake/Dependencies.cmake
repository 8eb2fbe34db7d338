# Every dependency comes from Debian; nothing is vendored.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite)
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
find_package(OpenSSL 3.0 REQUIRED)
# qpdf reads PDF structure for jpki-tool sign-pdf / verify-pdf; no PointerHolder (qpdf 11 API).
pkg_check_modules(QPDF REQUIRED IMPORTED_TARGET libqpdf>=11)
set_property(TARGET PkgConfig::QPDF APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS POINTERHOLDER_TRANSITION=4)
find_package(Threads REQUIRED)

# Install locations for the module and its p11-kit registration come from p11-kit itself.
pkg_get_variable(P11KIT_MODULE_PATH p11-kit-1 p11_module_path)
pkg_get_variable(P11KIT_MODULE_CONFIGS p11-kit-1 p11_module_configs)

if(JPKI_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
