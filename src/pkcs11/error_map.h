// The one place where failures become CKR_ codes.
#pragma once

#include <p11-kit/pkcs11.h>

#include "card/types.h"

namespace jpki::pkcs11 {

CK_RV rv_of(const card::CardError& e);
// Call inside a catch block: maps the exception being handled.
CK_RV rv_of_current_exception() noexcept;
const char* rv_name(CK_RV rv);

}  // namespace jpki::pkcs11
