// The one place where failures become CKR_ codes.
#pragma once

#include <p11-kit/pkcs11.h>

#include <string_view>

#include "card/types.h"

namespace jpki::pkcs11 {

CK_RV rv_of(const card::CardError& e);
// Call inside a catch block: maps the exception being handled.
CK_RV rv_of_current_exception() noexcept;
const char* rv_name(CK_RV rv);

// Whether PKCS#11 2.40 lets `function` ("C_Login") return `rv` (allowed_rv.cpp).
bool rv_allowed(std::string_view function, CK_RV rv);
// `rv` when `function` may return it, else the nearest code it may return
// (CKR_FUNCTION_FAILED at worst); the debug log tells which became which.
CK_RV allowed_rv(std::string_view function, CK_RV rv);

}  // namespace jpki::pkcs11
