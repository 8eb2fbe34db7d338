#include "pkcs11/error_map.h"

#include <exception>
#include <new>

#include "common/log.h"
#include "pkcs11/slots.h"
#include "transport/card_channel.h"

namespace jpki::pkcs11 {

CK_RV rv_of(const card::CardError& e) {
  switch (e.kind()) {
    case card::CardErrorKind::kPinIncorrect:
      return CKR_PIN_INCORRECT;
    case card::CardErrorKind::kPinLocked:
      return CKR_PIN_LOCKED;
    case card::CardErrorKind::kSecurityNotSatisfied:
      return CKR_USER_NOT_LOGGED_IN;
    case card::CardErrorKind::kNotJpki:
      return CKR_TOKEN_NOT_RECOGNIZED;
    case card::CardErrorKind::kInvalidInput:
      return CKR_DATA_LEN_RANGE;
    case card::CardErrorKind::kFileNotFound:
    case card::CardErrorKind::kBadResponse:
    case card::CardErrorKind::kUnexpectedStatus:
      return CKR_DEVICE_ERROR;
  }
  return CKR_GENERAL_ERROR;
}

CK_RV rv_of_current_exception() noexcept {
  try {
    throw;
  } catch (const CkrError& e) {
    return e.rv;
  } catch (const card::CardError& e) {
    log::line(std::string("card: ") + e.what());
    return rv_of(e);
  } catch (const transport::TransportError& e) {
    log::line(std::string("transport: ") + e.what());
    return e.kind() == transport::ErrorKind::kRemoved ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR;
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (const std::exception& e) {
    log::line(std::string("internal: ") + e.what());
    return CKR_GENERAL_ERROR;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

const char* rv_name(CK_RV rv) {
  switch (rv) {
#define JPKI_RV(x) \
  case x:          \
    return #x;
    JPKI_RV(CKR_OK)
    JPKI_RV(CKR_ACTION_PROHIBITED)
    JPKI_RV(CKR_ARGUMENTS_BAD)
    JPKI_RV(CKR_ATTRIBUTE_SENSITIVE)
    JPKI_RV(CKR_ATTRIBUTE_TYPE_INVALID)
    JPKI_RV(CKR_BUFFER_TOO_SMALL)
    JPKI_RV(CKR_CANT_LOCK)
    JPKI_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    JPKI_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
    JPKI_RV(CKR_DATA_LEN_RANGE)
    JPKI_RV(CKR_DEVICE_ERROR)
    JPKI_RV(CKR_DEVICE_MEMORY)
    JPKI_RV(CKR_DEVICE_REMOVED)
    JPKI_RV(CKR_FUNCTION_CANCELED)
    JPKI_RV(CKR_FUNCTION_FAILED)
    JPKI_RV(CKR_FUNCTION_NOT_PARALLEL)
    JPKI_RV(CKR_FUNCTION_NOT_SUPPORTED)
    JPKI_RV(CKR_GENERAL_ERROR)
    JPKI_RV(CKR_HOST_MEMORY)
    JPKI_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
    JPKI_RV(CKR_KEY_HANDLE_INVALID)
    JPKI_RV(CKR_KEY_TYPE_INCONSISTENT)
    JPKI_RV(CKR_MECHANISM_INVALID)
    JPKI_RV(CKR_MECHANISM_PARAM_INVALID)
    JPKI_RV(CKR_NO_EVENT)
    JPKI_RV(CKR_OBJECT_HANDLE_INVALID)
    JPKI_RV(CKR_OPERATION_ACTIVE)
    JPKI_RV(CKR_OPERATION_NOT_INITIALIZED)
    JPKI_RV(CKR_PIN_INCORRECT)
    JPKI_RV(CKR_PIN_INVALID)
    JPKI_RV(CKR_PIN_LEN_RANGE)
    JPKI_RV(CKR_PIN_LOCKED)
    JPKI_RV(CKR_SESSION_CLOSED)
    JPKI_RV(CKR_SESSION_HANDLE_INVALID)
    JPKI_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED)
    JPKI_RV(CKR_SESSION_READ_ONLY)
    JPKI_RV(CKR_SIGNATURE_INVALID)
    JPKI_RV(CKR_SIGNATURE_LEN_RANGE)
    JPKI_RV(CKR_SLOT_ID_INVALID)
    JPKI_RV(CKR_TOKEN_NOT_PRESENT)
    JPKI_RV(CKR_TOKEN_NOT_RECOGNIZED)
    JPKI_RV(CKR_TOKEN_WRITE_PROTECTED)
    JPKI_RV(CKR_USER_ALREADY_LOGGED_IN)
    JPKI_RV(CKR_USER_NOT_LOGGED_IN)
    JPKI_RV(CKR_USER_TYPE_INVALID)
#undef JPKI_RV
    default:
      return "CKR_?";
  }
}

}  // namespace jpki::pkcs11
