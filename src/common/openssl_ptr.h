// OpenSSL objects owned by std::unique_ptr: one type per OpenSSL type, each freed
// by that type's own _free function. The only place such deleters are written;
// every layer (driver, front end, simulator, tool, tests) takes them from here.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace jpki {
namespace openssl_detail {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

// OPENSSL_free is a macro (it records file and line), so it gets its own deleter.
struct OpensslFree {
  template <typename T>
  void operator()(T* p) const noexcept {
    OPENSSL_free(p);
  }
};

// A stack that owns its certificates.
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};

}  // namespace openssl_detail

template <typename T, auto Free>
using OpensslPtr = std::unique_ptr<T, openssl_detail::Deleter<Free>>;

// Keys and digest contexts (the names the front end and the simulator use).
using Pkey = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtx = OpensslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtx = OpensslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

// Certificates and their parts.
using X509Ptr = OpensslPtr<X509, X509_free>;
using X509NamePtr = OpensslPtr<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = OpensslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509StorePtr = OpensslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), openssl_detail::X509StackFree>;
using GeneralNamesPtr = OpensslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using CmsPtr = OpensslPtr<CMS_ContentInfo, CMS_ContentInfo_free>;

// Numbers, times, memory.
using BignumPtr = OpensslPtr<BIGNUM, BN_free>;
using Asn1IntegerPtr = OpensslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1ObjectPtr = OpensslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1TimePtr = OpensslPtr<ASN1_TIME, ASN1_TIME_free>;
using BioPtr = OpensslPtr<BIO, BIO_free>;
// Memory OpenSSL allocated for us: text (BN_bn2hex ...), bytes (ASN1_STRING_to_UTF8 ...).
using OpensslString = std::unique_ptr<char, openssl_detail::OpensslFree>;
using OpensslBytes = std::unique_ptr<unsigned char, openssl_detail::OpensslFree>;

}  // namespace jpki
