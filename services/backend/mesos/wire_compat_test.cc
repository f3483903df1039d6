// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Our Mesos protos against the wire facts of Mesos's v1 API (testing/mesos-v1-wire.tsv): every
// message and enum we declare must have exactly Mesos's fields (name, number, label, type) and
// values, or a real master would misread us. Guards the generated files against hand edits.

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/backend/mesos/allocator.pb.h"
#include "services/backend/mesos/maintenance.pb.h"
#include "services/backend/mesos/master.pb.h"
#include "services/backend/mesos/mesos.pb.h"
#include "services/backend/mesos/scheduler.pb.h"

namespace peloton::backend::mesos {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

struct Wire {
  // message -> field name -> "number label type type_name"
  std::map<std::string, std::map<std::string, std::string>> fields;
  // enum -> value name -> number
  std::map<std::string, std::map<std::string, int>> enums;
};

Wire ReadWire() {
  Wire w;
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::ifstream in(absl::StrCat(srcdir != nullptr ? srcdir : ".",
                                "/peloton/services/backend/mesos/testing/mesos-v1-wire.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row = absl::StrSplit(line, '\t');
    if (row[0] == "field" && row.size() >= 7) {
      w.fields[row[1]][row[2]] = absl::StrCat(row[3], " ", row[4], " ", row[5], " ", row[6]);
    } else if (row[0] == "enum" && row.size() >= 4) {
      w.enums[row[1]][row[2]] = std::stoi(row[3]);
    }
  }
  return w;
}

std::string LabelName(const FieldDescriptor* f) {
  switch (f->label()) {
    case FieldDescriptor::LABEL_OPTIONAL:
      return "LABEL_OPTIONAL";
    case FieldDescriptor::LABEL_REQUIRED:
      return "LABEL_REQUIRED";
    default:
      return "LABEL_REPEATED";
  }
}

std::string TypeName(const FieldDescriptor* f) {
  std::string t = absl::AsciiStrToUpper(FieldDescriptor::TypeName(f->type()));
  std::string name;
  if (f->message_type() != nullptr) name = "." + f->message_type()->full_name();
  if (f->enum_type() != nullptr) name = "." + f->enum_type()->full_name();
  return absl::StrCat("TYPE_", t, " ", name);
}

void CheckEnum(const Wire& w, const EnumDescriptor* e, int* checked) {
  auto it = w.enums.find(e->full_name());
  ASSERT_NE(it, w.enums.end()) << e->full_name() << " is not in Mesos's v1 API";
  EXPECT_EQ(static_cast<size_t>(e->value_count()), it->second.size()) << e->full_name();
  for (int i = 0; i < e->value_count(); ++i) {
    auto v = it->second.find(e->value(i)->name());
    ASSERT_NE(v, it->second.end()) << e->full_name() << "." << e->value(i)->name();
    EXPECT_EQ(v->second, e->value(i)->number()) << e->full_name() << "." << e->value(i)->name();
    ++*checked;
  }
}

void CheckMessage(const Wire& w, const Descriptor* d, int* checked) {
  auto it = w.fields.find(d->full_name());
  const std::map<std::string, std::string> none;
  const auto& wire = it == w.fields.end() ? none : it->second;
  // The operator API's Call and Response carry only the calls the backend makes
  // (tools/mesos_proto_gen.py's ROOT_FIELDS): a subset, each field still Mesos's.
  const bool pruned =
      d->full_name() == "mesos.v1.master.Call" || d->full_name() == "mesos.v1.master.Response";
  if (pruned) {
    EXPECT_LE(static_cast<size_t>(d->field_count()), wire.size()) << d->full_name();
  } else {
    EXPECT_EQ(static_cast<size_t>(d->field_count()), wire.size()) << d->full_name();
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    auto v = wire.find(f->name());
    ASSERT_NE(v, wire.end()) << d->full_name() << "." << f->name() << " is not Mesos's";
    EXPECT_EQ(v->second, absl::StrCat(f->number(), " ", LabelName(f), " ", TypeName(f)))
        << d->full_name() << "." << f->name();
    ++*checked;
  }
  for (int i = 0; i < d->nested_type_count(); ++i) CheckMessage(w, d->nested_type(i), checked);
  for (int i = 0; i < d->enum_type_count(); ++i) CheckEnum(w, d->enum_type(i), checked);
}

TEST(WireCompatTest, EveryFieldAndEnumValueIsMesoss) {
  const Wire w = ReadWire();
  ASSERT_GT(w.fields.size(), 100u) << "the wire facts were not found";
  int checked = 0;
  for (const auto* file : {::mesos::v1::FrameworkInfo::descriptor()->file(),
                           ::mesos::v1::scheduler::Call::descriptor()->file(),
                           ::mesos::v1::master::Call::descriptor()->file(),
                           ::mesos::v1::maintenance::Schedule::descriptor()->file(),
                           ::mesos::v1::allocator::InverseOfferStatus::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      CheckMessage(w, file->message_type(i), &checked);
    }
    for (int i = 0; i < file->enum_type_count(); ++i) CheckEnum(w, file->enum_type(i), &checked);
  }
  EXPECT_GT(checked, 700);  // 742 fields and enum values for the scheduler API alone
  // The operator calls the backend makes.
  const auto* op = ::mesos::v1::master::Call::Type_descriptor();
  for (const char* t : {"GET_AGENTS", "GET_MAINTENANCE_STATUS", "UPDATE_MAINTENANCE_SCHEDULE",
                        "START_MAINTENANCE", "STOP_MAINTENANCE"}) {
    EXPECT_NE(op->FindValueByName(t), nullptr) << t;
  }
  // The calls and events the scheduler uses are all there.
  const auto* call = ::mesos::v1::scheduler::Call::Type_descriptor();
  for (const char* t : {"SUBSCRIBE", "ACCEPT", "DECLINE", "KILL", "SHUTDOWN", "ACKNOWLEDGE",
                        "RECONCILE", "REVIVE", "SUPPRESS"}) {
    EXPECT_NE(call->FindValueByName(t), nullptr) << t;
  }
  const auto* event = ::mesos::v1::scheduler::Event::Type_descriptor();
  for (const char* t :
       {"SUBSCRIBED", "OFFERS", "RESCIND", "UPDATE", "FAILURE", "ERROR", "HEARTBEAT"}) {
    EXPECT_NE(event->FindValueByName(t), nullptr) << t;
  }
}

}  // namespace
}  // namespace peloton::backend::mesos
