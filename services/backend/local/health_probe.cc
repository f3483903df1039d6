// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/local/health_probe.h"

#include "absl/strings/str_cat.h"
#include "kj/async-io.h"
#include "kj/compat/http.h"

namespace peloton::backend::local {
namespace {

kj::Own<kj::AsyncIoStream> Connect(kj::AsyncIoContext& io, uint32_t port) {
  kj::Own<kj::NetworkAddress> address =
      io.provider->getNetwork().parseAddress(kj::str("127.0.0.1:", port)).wait(io.waitScope);
  return address->connect().wait(io.waitScope);
}

std::string Why(const kj::Exception& e) {
  std::string what = e.getDescription().cStr();
  return what.size() > 200 ? what.substr(0, 200) : what;
}

}  // namespace

ProbeResult ProbeHttp(uint32_t port, const std::string& path) {
  try {
    kj::AsyncIoContext io = kj::setupAsyncIo();
    kj::Own<kj::AsyncIoStream> connection = Connect(io, port);
    kj::HttpHeaderTable table;
    kj::Own<kj::HttpClient> client = kj::newHttpClient(table, *connection);
    kj::HttpHeaders headers(table);
    headers.set(kj::HttpHeaderId::HOST, kj::str("127.0.0.1:", port));
    kj::HttpClient::Response response =
        client->request(kj::HttpMethod::GET, path, headers).response.wait(io.waitScope);
    const unsigned status = response.statusCode;
    return {status >= 200 && status < 400, absl::StrCat("HTTP ", status, " from GET ", path)};
  } catch (const kj::Exception& e) {
    return {false, absl::StrCat("GET ", path, " on port ", port, ": ", Why(e))};
  }
}

ProbeResult ProbeTcp(uint32_t port) {
  try {
    kj::AsyncIoContext io = kj::setupAsyncIo();
    kj::Own<kj::AsyncIoStream> connection = Connect(io, port);
    return {true, absl::StrCat("port ", port, " accepted a connection")};
  } catch (const kj::Exception& e) {
    return {false, absl::StrCat("port ", port, ": ", Why(e))};
  }
}

}  // namespace peloton::backend::local
