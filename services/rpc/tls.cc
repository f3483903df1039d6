// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/tls.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/files.h"

namespace peloton::rpc {
namespace {

// A PEM file's text, bounded as every file the processes read.
absl::StatusOr<std::string> ReadPem(const std::string& field, const std::string& path) {
  absl::StatusOr<std::string> text = files::ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", text.status().message()));
  }
  if (!absl::StrContains(*text, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", path, " is not PEM (rule: -----BEGIN ... blocks)"));
  }
  return text;
}

// What kj (OpenSSL) says of a file it could not read.
template <typename Make>
auto Parse(const std::string& field, const std::string& path, Make&& make)
    -> absl::StatusOr<decltype(make())> {
  try {
    return make();
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", path, ": ", e.getDescription().cStr()));
  }
}

// Whether the private key of `key_pem` is that of the first certificate of `cert_pem` (kj's
// context takes a mismatched pair and fails every handshake later).
bool KeyMatches(const std::string& cert_pem, const std::string& key_pem) {
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  // No passphrase: OpenSSL would otherwise ask the terminal for one.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  X509* cert =
      cert_bio != nullptr ? PEM_read_bio_X509(cert_bio, nullptr, no_passphrase, nullptr) : nullptr;
  EVP_PKEY* key = key_bio != nullptr
                      ? PEM_read_bio_PrivateKey(key_bio, nullptr, no_passphrase, nullptr)
                      : nullptr;
  const bool matches = cert != nullptr && key != nullptr && X509_check_private_key(cert, key) == 1;
  EVP_PKEY_free(key);
  X509_free(cert);
  BIO_free(key_bio);
  BIO_free(cert_bio);
  return matches;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Tls>> Tls::Server(const std::string& cert_file,
                                                 const std::string& key_file) {
  absl::StatusOr<std::string> cert = ReadPem("tls_cert_file", cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("tls_key_file", key_file);
  if (!key.ok()) return key.status();
  auto certificate = Parse("tls_cert_file", cert_file,
                           [&] { return kj::TlsCertificate(kj::StringPtr(cert->c_str())); });
  if (!certificate.ok()) return certificate.status();
  auto private_key = Parse("tls_key_file", key_file,
                           [&] { return kj::TlsPrivateKey(kj::StringPtr(key->c_str())); });
  if (!private_key.ok()) return private_key.status();
  if (!KeyMatches(*cert, *key)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls_key_file: ", key_file, " is not the key of ", cert_file,
                     " (rule: the private key of tls_cert_file's certificate)"));
  }
  std::unique_ptr<Tls> tls(new Tls());
  tls->keypair_ =
      kj::heap<kj::TlsKeypair>(kj::TlsKeypair{*std::move(private_key), *std::move(certificate)});
  kj::TlsContext::Options options;
  options.defaultKeypair = *tls->keypair_;
  tls->context_ = kj::heap<kj::TlsContext>(kj::mv(options));
  return tls;
}

absl::StatusOr<std::unique_ptr<Tls>> Tls::Client(const std::string& ca_file) {
  std::unique_ptr<Tls> tls(new Tls());
  kj::TlsContext::Options options;
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> pem = ReadPem("tls_ca_file", ca_file);
    if (!pem.ok()) return pem.status();
    auto ca = Parse("tls_ca_file", ca_file,
                    [&] { return kj::TlsCertificate(kj::StringPtr(pem->c_str())); });
    if (!ca.ok()) return ca.status();
    tls->trusted_.push_back(*std::move(ca));
    options.useSystemTrustStore = false;
    options.trustedCertificates =
        kj::ArrayPtr<const kj::TlsCertificate>(tls->trusted_.data(), tls->trusted_.size());
  }
  tls->context_ = kj::heap<kj::TlsContext>(kj::mv(options));
  return tls;
}

kj::Promise<kj::Own<kj::AsyncIoStream>> Tls::WrapClient(kj::Own<kj::AsyncIoStream> stream,
                                                        const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  // On the heap, so that moving it into the promise keeps the characters where they are.
  kj::String name = kj::heapString(host.data(), host.size());
  auto wrapped = context_->wrapClient(kj::mv(stream), name);
  return wrapped.attach(kj::mv(name));
}

bool IsTcpAddress(const std::string& address) { return !absl::StartsWith(address, "unix:"); }

}  // namespace peloton::rpc
