// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Fuzz target: bytes as the Mesos master's event stream (what an untrusted or broken master,
// or the network, may send): fed to the RecordIO reader in pieces (the first byte says how
// big), each record decoded as a scheduler Event in both encodings, and what the backend
// takes from one converted: an offer's host, an update's task status.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "services/backend/mesos/convert.h"
#include "services/backend/mesos/recordio.h"
#include "services/backend/mesos/scheduler.pb.h"

namespace {

namespace backend = ::peloton::backend::mesos;

void Take(const ::mesos::v1::scheduler::Event& event) {
  if (event.has_offers()) {
    for (const ::mesos::v1::Offer& offer : event.offers().offers()) {
      // A refusal is a Status; only a crash or a hang matters here.
      (void)backend::HostOfOffers({&offer, 1}, "peloton").ok();
    }
  }
  if (event.has_update()) {
    (void)backend::StatusOf(event.update().status(), [](const std::string& id) { return id; });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  const std::string stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  backend::RecordReader reader(1 << 20);
  for (size_t at = 0; at < stream.size(); at += piece) {
    absl::StatusOr<std::vector<std::string>> records = reader.Feed(stream.substr(at, piece));
    if (!records.ok()) return 0;  // the caller drops the connection
    for (const std::string& r : *records) {
      for (backend::Encoding e : {backend::Encoding::kProtobuf, backend::Encoding::kJson}) {
        ::mesos::v1::scheduler::Event event;
        if (backend::Decode(r, e, &event).ok()) Take(event);
      }
    }
  }
  return 0;
}
