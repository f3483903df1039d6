// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The wire forms of Mesos's v1 scheduler HTTP API: RecordIO framing of the event stream
// ("<length in decimal>\n<length bytes>", record after record) and the two encodings of calls
// and events, protobuf and JSON (Mesos's field names, enums by name).
//
//   RecordReader reader;
//   for (;;) {
//     PELOTON_ASSIGN_OR_RETURN(std::vector<std::string> records, reader.Feed(read_some()));
//     for (const std::string& r : records) { mesos::v1::scheduler::Event e; Decode(r, ...); }
//   }
//
// A malformed stream is an error naming the byte offset and what was wrong, never a crash; the
// caller drops the connection and subscribes again.

#ifndef PELOTON_SERVICES_BACKEND_MESOS_RECORDIO_H_
#define PELOTON_SERVICES_BACKEND_MESOS_RECORDIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace peloton::backend::mesos {

// One record, framed.
std::string EncodeRecord(absl::string_view record);

class RecordReader {
 public:
  // Records longer than `max_record` bytes are refused (a corrupt length would otherwise make
  // the reader buffer without bound).
  explicit RecordReader(size_t max_record = 64 << 20) : max_record_(max_record) {}

  // Takes the next bytes of the stream; returns the records they complete, in order.
  // InvalidArgument naming the stream offset for a length that is empty, not decimal, or over
  // the limit; the reader is then unusable.
  absl::StatusOr<std::vector<std::string>> Feed(absl::string_view bytes);
  // Bytes of a record not complete yet (if the stream ends now, it was truncated).
  size_t pending() const { return buffer_.size(); }

 private:
  size_t max_record_;
  std::string buffer_;
  uint64_t offset_ = 0;  // of buffer_'s first byte in the stream
  bool failed_ = false;
};

enum class Encoding { kProtobuf, kJson };
// "application/x-protobuf" or "application/json".
absl::string_view ContentType(Encoding encoding);

std::string Encode(const google::protobuf::Message& message, Encoding encoding);
// InvalidArgument naming the message type when the bytes are not one of it.
absl::Status Decode(absl::string_view bytes, Encoding encoding, google::protobuf::Message* message);

}  // namespace peloton::backend::mesos

#endif  // PELOTON_SERVICES_BACKEND_MESOS_RECORDIO_H_
