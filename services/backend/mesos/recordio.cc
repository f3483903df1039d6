// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/recordio.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace peloton::backend::mesos {

std::string EncodeRecord(absl::string_view record) {
  return absl::StrCat(record.size(), "\n", record);
}

absl::StatusOr<std::vector<std::string>> RecordReader::Feed(absl::string_view bytes) {
  if (failed_) {
    return absl::FailedPreconditionError("recordio: the stream failed earlier; reconnect");
  }
  buffer_.append(bytes.data(), bytes.size());
  std::vector<std::string> records;
  size_t start = 0;
  for (;;) {
    const size_t newline = buffer_.find('\n', start);
    if (newline == std::string::npos) {
      // Still reading the length: it may not run on past what any record could need.
      if (buffer_.size() - start > 20) {
        failed_ = true;
        return absl::InvalidArgumentError(absl::StrCat("recordio: at byte ", offset_ + start,
                                                       ": no newline after 20 bytes of length"));
      }
      break;
    }
    const absl::string_view digits(buffer_.data() + start, newline - start);
    uint64_t length = 0;
    bool ok = !digits.empty() && digits.size() <= 20;
    for (char c : digits) {
      if (c < '0' || c > '9' || length > (UINT64_MAX - 9) / 10) {
        ok = false;
        break;
      }
      length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok || length > max_record_) {
      failed_ = true;
      return absl::InvalidArgumentError(absl::StrCat(
          "recordio: at byte ", offset_ + start, ": length '", absl::CHexEscape(digits),
          "' (rule: decimal digits, at most ", max_record_, ")"));
    }
    if (buffer_.size() - (newline + 1) < length) break;  // the record is not all here yet
    records.emplace_back(buffer_, newline + 1, length);
    start = newline + 1 + length;
  }
  buffer_.erase(0, start);
  offset_ += start;
  return records;
}

absl::string_view ContentType(Encoding encoding) {
  return encoding == Encoding::kJson ? "application/json" : "application/x-protobuf";
}

std::string Encode(const google::protobuf::Message& message, Encoding encoding) {
  if (encoding == Encoding::kProtobuf) return message.SerializeAsString();
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // Mesos's JSON uses the .proto field names
  // Printing fails only for an Any of an unknown type or an out-of-range well-known type, and
  // the Mesos protos here use neither.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

absl::Status Decode(absl::string_view bytes, Encoding encoding,
                    google::protobuf::Message* message) {
  message->Clear();
  if (encoding == Encoding::kProtobuf) {
    if (message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("not a ", message->GetTypeName(),
                     " in protobuf (missing: ", message->InitializationErrorString(), ")"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // newer masters add fields
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(bytes.data(), bytes.size()), message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a ", message->GetTypeName(), " in JSON: ", status.ToString()));
  }
  if (!message->IsInitialized()) {
    return absl::InvalidArgumentError(absl::StrCat(message->GetTypeName(), " in JSON: missing ",
                                                   message->InitializationErrorString()));
  }
  return absl::OkStatus();
}

}  // namespace peloton::backend::mesos
