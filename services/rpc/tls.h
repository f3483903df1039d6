// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// TLS for the TCP servers and their clients (kj-tls over OpenSSL). A process given a
// certificate and its key (tls_cert_file, tls_key_file) serves the Cap'n Proto API and the HTTP
// endpoint over TLS on TCP (a Unix socket stays plain: it never leaves the machine); a client
// trusts the certificates of a CA file, or the system's store. A client checks that the
// server's certificate names the host it dialled, so a TLS address names a host as the
// certificate does ("master.example.com:5391", "localhost:5391"), not an IP address.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_RPC_TLS_H_
#define PELOTON_SERVICES_RPC_TLS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kj/async-io.h"
#include "kj/compat/tls.h"

namespace peloton::rpc {

class Tls {
 public:
  // A server's: the certificate chain and the private key of PEM files. InvalidArgument
  // naming the file.
  static absl::StatusOr<std::unique_ptr<Tls>> Server(const std::string& cert_file,
                                                     const std::string& key_file);
  // A client's: trusting the CA certificates of the PEM file `ca_file`, or the system's store
  // when it is empty. InvalidArgument naming the file.
  static absl::StatusOr<std::unique_ptr<Tls>> Client(const std::string& ca_file);

  kj::TlsContext& context() { return *context_; }

  // `stream` (a TCP connection to `address`, host:port) upgraded: the handshake done and the
  // server's certificate checked against the host.
  kj::Promise<kj::Own<kj::AsyncIoStream>> WrapClient(kj::Own<kj::AsyncIoStream> stream,
                                                     const std::string& address);

 private:
  Tls() = default;
  // What the context was made of, kept as long as it.
  kj::Own<kj::TlsKeypair> keypair_;
  std::vector<kj::TlsCertificate> trusted_;
  kj::Own<kj::TlsContext> context_;
};

// Whether `address` is TCP (host:port), which TLS covers, rather than unix:PATH.
bool IsTcpAddress(const std::string& address);

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_TLS_H_
