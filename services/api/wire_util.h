// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Small conversions at the edge of every Cap'n Proto call: text to std::string, a string to a
// Data field, and a protobuf message carried in a Data field (job and pool configs travel as
// Peloton's own protobuf encoding).

#ifndef PELOTON_SERVICES_API_WIRE_UTIL_H_
#define PELOTON_SERVICES_API_WIRE_UTIL_H_

#include <string>

#include "capnp/blob.h"
#include "google/protobuf/message_lite.h"

namespace peloton::api {

inline std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// Points at `s`, which must outlive the reader (setX(Bytes(s)) copies it into the message).
inline capnp::Data::Reader Bytes(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

// False when the bytes are not one `message`.
inline bool ParseInto(capnp::Data::Reader bytes, google::protobuf::MessageLite& message) {
  return message.ParseFromArray(bytes.begin(), static_cast<int>(bytes.size()));
}

}  // namespace peloton::api

#endif  // PELOTON_SERVICES_API_WIRE_UTIL_H_
