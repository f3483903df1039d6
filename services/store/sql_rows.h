// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL store's row mappings: each record's columns, once, with how each is bound and read.
// INSERTs, UPDATEs and SELECTs are all made from them, so a column is named in one place.
//
//   static const std::string kInsert = absl::StrCat(
//       "INSERT INTO hosts (", ColumnList(HostColumns()), ", version) VALUES (",
//       Params(1, HostColumns().size()), ", 1)");
//   Keep keep;
//   Bind(st, 1, HostColumns(), host, keep);
//   ...
//   PELOTON_RETURN_IF_ERROR(Read(st, 0, HostColumns(), host));
//
// Times are microseconds since the Unix epoch; enums are Peloton's numbers; lists (labels,
// instance ids) are the protobuf messages of sql_rows.proto, as bytes.

#ifndef PELOTON_SERVICES_STORE_SQL_ROWS_H_
#define PELOTON_SERVICES_STORE_SQL_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "services/store/sql_db.h"
#include "services/store/store.h"

namespace peloton::store::internal {

// Bytes a bound parameter borrows (an encoded list) until the statement has run.
using Keep = std::deque<std::string>;

template <typename R>
struct Column {
  const char* name;
  void (*bind)(SqlStatement& st, int index, const R& record, Keep& keep);
  // DataLoss, naming the column, for bytes that cannot be decoded.
  absl::Status (*read)(const SqlStatement& st, int column, R& record);
};

template <typename R>
using Columns = absl::Span<const Column<R>>;

std::string EncodeLabels(const std::vector<Label>& labels);
bool DecodeLabels(absl::string_view bytes, std::vector<Label>& labels);
std::string EncodeIds(const std::vector<uint32_t>& ids);
bool DecodeIds(absl::string_view bytes, std::vector<uint32_t>& ids);

// ---------------------------------------------------------------------------------------------
// Kinds of column: R's member M, stored as the kind says.

template <typename R, auto M>
constexpr Column<R> TextColumn(const char* name) {
  return {name, [](SqlStatement& st, int i, const R& r, Keep&) { st.BindText(i, r.*M); },
          [](const SqlStatement& st, int c, R& r) {
            st.TextInto(c, r.*M);
            return absl::OkStatus();
          }};
}

// Opaque bytes (a serialized config, an info blob).
template <typename R, auto M>
constexpr Column<R> BlobColumn(const char* name) {
  return {name, [](SqlStatement& st, int i, const R& r, Keep&) { st.BindBlob(i, r.*M); },
          [](const SqlStatement& st, int c, R& r) {
            st.TextInto(c, r.*M);
            return absl::OkStatus();
          }};
}

// A strong id (JobId, PoolId): its value as text.
template <typename R, auto M>
constexpr Column<R> IdColumn(const char* name) {
  return {name, [](SqlStatement& st, int i, const R& r, Keep&) { st.BindText(i, (r.*M).value()); },
          [](const SqlStatement& st, int c, R& r) {
            using Id = std::remove_reference_t<decltype(r.*M)>;
            r.*M = Id(std::string(st.Text(c)));
            return absl::OkStatus();
          }};
}

// An integer or an enum (its number).
template <typename R, auto M>
constexpr Column<R> IntColumn(const char* name) {
  return {
      name,
      [](SqlStatement& st, int i, const R& r, Keep&) { st.BindInt(i, static_cast<int64_t>(r.*M)); },
      [](const SqlStatement& st, int c, R& r) {
        using T = std::remove_reference_t<decltype(r.*M)>;
        if constexpr (std::is_enum_v<T>) {
          r.*M = static_cast<T>(static_cast<int>(st.Int(c)));
        } else {
          r.*M = static_cast<T>(st.Int(c));
        }
        return absl::OkStatus();
      }};
}

template <typename R, auto M>
constexpr Column<R> TimeColumn(const char* name) {
  return {name, [](SqlStatement& st, int i, const R& r, Keep&) { st.BindTime(i, r.*M); },
          [](const SqlStatement& st, int c, R& r) {
            r.*M = st.Time(c);
            return absl::OkStatus();
          }};
}

template <typename R, auto M>
constexpr Column<R> LabelsColumn(const char* name) {
  return {name,
          [](SqlStatement& st, int i, const R& r, Keep& keep) {
            st.BindBlob(i, keep.emplace_back(EncodeLabels(r.*M)));
          },
          [](const SqlStatement& st, int c, R& r) {
            if (DecodeLabels(st.Text(c), r.*M)) return absl::OkStatus();
            return absl::DataLossError("its labels cannot be decoded");
          }};
}

template <typename R, auto M>
constexpr Column<R> IdsColumn(const char* name) {
  return {name,
          [](SqlStatement& st, int i, const R& r, Keep& keep) {
            st.BindBlob(i, keep.emplace_back(EncodeIds(r.*M)));
          },
          [](const SqlStatement& st, int c, R& r) {
            if (DecodeIds(st.Text(c), r.*M)) return absl::OkStatus();
            return absl::DataLossError("its instance lists cannot be decoded");
          }};
}

// ---------------------------------------------------------------------------------------------
// SQL made from columns, and binding and reading them.

// "a, b, c"
template <typename R>
std::string ColumnList(Columns<R> columns) {
  std::string out;
  for (const Column<R>& c : columns) absl::StrAppend(&out, out.empty() ? "" : ", ", c.name);
  return out;
}

// "?first, ?first+1, ..." (count of them)
std::string Params(size_t first, size_t count);

// "a = ?first, b = ?first+1, ..."
template <typename R>
std::string Assignments(Columns<R> columns, size_t first) {
  std::string out;
  for (const Column<R>& c : columns) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", c.name, " = ?", first++);
  }
  return out;
}

// Binds `record`'s columns to parameters first, first + 1, ...
template <typename R>
void Bind(SqlStatement& st, size_t first, Columns<R> columns, const R& record, Keep& keep) {
  for (const Column<R>& c : columns) c.bind(st, static_cast<int>(first++), record, keep);
}

// Reads result columns first, first + 1, ... into `record`.
template <typename R>
absl::Status Read(const SqlStatement& st, size_t first, Columns<R> columns, R& record) {
  for (const Column<R>& c : columns) {
    if (absl::Status s = c.read(st, static_cast<int>(first++), record); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// The records. Where an UPDATE writes only some columns, those come first or last, so that it
// takes a subspan.

// respools: id, then what UpdatePool writes (path, owner, config, update_time), create_time.
Columns<PoolRecord> PoolColumns();
// job_configs: job_id, version, config, create_time; then JobIndexColumns.
Columns<JobConfigRecord> JobConfigColumns();
// The newest config's fields a job is queried by (the jobs table keeps them), of a config
// (JobConfigRecord) or a job (JobSummary): name, owner, pool_id, type, instance_count, labels.
template <typename R>
Columns<R> JobIndexColumns();
// jobs: job_id; then JobIndexColumns<JobSummary>; then JobRuntimeColumns; then version.
Columns<JobSummary> JobIdColumns();
// A job's runtime, but its version.
Columns<JobRuntime> JobRuntimeColumns();
// task_runtimes (keyed by job_key too): instance_id, then the rest but version.
Columns<TaskRuntime> TaskColumns();
// pod_events (keyed by job_id too).
Columns<PodEvent> PodEventColumns();
// updates: update_id, job_id, then the rest but version.
Columns<UpdateRecord> UpdateColumns();
// instance_workflow_events (keyed by update_id too).
Columns<InstanceWorkflowEvent> InstanceWorkflowEventColumns();
// hosts: hostname, then the rest but version.
Columns<HostRecord> HostColumns();
// frameworks: name, framework_id, stream_id.
Columns<FrameworkRecord> FrameworkColumns();

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQL_ROWS_H_
