// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/sim/openb.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace peloton::backend::sim {
namespace {

// A CSV file with a header row; fields contain no quotes or commas in these traces.
class CsvFile {
 public:
  static absl::StatusOr<CsvFile> Open(const std::string& path,
                                      const std::vector<std::string>& required) {
    CsvFile f;
    f.path_ = path;
    f.in_.open(path);
    if (!f.in_) {
      return absl::NotFoundError(absl::StrCat("cannot open trace file '", path, "'"));
    }
    std::string header;
    if (!std::getline(f.in_, header)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": empty file (rule: a header row)"));
    }
    std::vector<std::string> names =
        absl::StrSplit(absl::StripTrailingAsciiWhitespace(header), ',');
    for (size_t i = 0; i < names.size(); ++i) f.columns_[names[i]] = i;
    for (const std::string& c : required) {
      if (!f.columns_.contains(c)) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": no column '", c, "' (rule: header has ", absl::StrJoin(required, ","), ")"));
      }
    }
    return f;
  }

  bool Next() {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_no_;
      absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(line);
      if (trimmed.empty()) continue;
      fields_ = absl::StrSplit(trimmed, ',');
      return true;
    }
    return false;
  }
  bool Has(const std::string& column) const { return columns_.contains(column); }
  std::string Text(const std::string& column) const {
    const size_t i = columns_.at(column);
    return i < fields_.size() ? fields_[i] : "";
  }
  absl::StatusOr<int64_t> Int(const std::string& column) const {
    const std::string t = Text(column);
    double v = 0;  // some traces write integers as floats ("1.0")
    if (!absl::SimpleAtod(t, &v) || v < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_no_ + 1, ": column '", column,
                                                     "' is '", t, "' (rule: a number >= 0)"));
    }
    return static_cast<int64_t>(v);
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::map<std::string, size_t> columns_;
  std::vector<std::string> fields_;
  int line_no_ = 0;
};

bool NoModel(const std::string& m) { return m.empty() || m == "nan" || m == "NaN"; }

}  // namespace

absl::StatusOr<std::vector<placement::HostSpec>> ReadOpenbNodes(const std::string& path) {
  auto csv = CsvFile::Open(path, {"sn", "cpu_milli", "memory_mib", "gpu", "model"});
  if (!csv.ok()) return csv.status();
  std::vector<placement::HostSpec> hosts;
  while (csv->Next()) {
    placement::HostSpec h;
    h.name = csv->Text("sn");
    auto cpu = csv->Int("cpu_milli");
    auto mem = csv->Int("memory_mib");
    auto gpus = csv->Int("gpu");
    for (const auto* v : {&cpu, &mem, &gpus}) {
      if (!v->ok()) return v->status();
    }
    const std::string model = csv->Text("model");
    const int64_t devices = NoModel(model) ? 0 : *gpus;
    h.capacity = Resources::Of(*cpu, *mem, 0, 1000 * devices);
    h.gpus.assign(static_cast<size_t>(devices), placement::GpuDevice{model, 1000});
    hosts.push_back(std::move(h));
  }
  return hosts;
}

absl::StatusOr<std::vector<TracePod>> ReadOpenbPods(const std::string& path) {
  auto csv = CsvFile::Open(path, {"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"});
  if (!csv.ok()) return csv.status();
  std::vector<TracePod> pods;
  while (csv->Next()) {
    TracePod p;
    p.task.id = csv->Text("name");
    auto cpu = csv->Int("cpu_milli");
    auto mem = csv->Int("memory_mib");
    auto num = csv->Int("num_gpu");
    auto milli = csv->Int("gpu_milli");
    for (const auto* v : {&cpu, &mem, &num, &milli}) {
      if (!v->ok()) return v->status();
    }
    const int64_t gpu = *milli >= 1000 ? *num * 1000 : (*num > 0 ? *milli : 0);
    p.task.demand = Resources::Of(*cpu, *mem, 0, gpu);
    if (csv->Has("gpu_spec")) {
      const std::string spec = csv->Text("gpu_spec");
      if (!NoModel(spec)) p.task.gpu_models = absl::StrSplit(spec, '|', absl::SkipEmpty());
    }
    p.creation_time = static_cast<int64_t>(pods.size());
    if (csv->Has("creation_time")) {
      auto t = csv->Int("creation_time");
      if (!t.ok()) return t.status();
      p.creation_time = *t;
    }
    if (csv->Has("deletion_time") && !csv->Text("deletion_time").empty()) {
      auto t = csv->Int("deletion_time");
      if (!t.ok()) return t.status();
      p.deletion_time = *t;
    }
    pods.push_back(std::move(p));
  }
  std::stable_sort(pods.begin(), pods.end(), [](const TracePod& a, const TracePod& b) {
    return a.creation_time < b.creation_time;
  });
  return pods;
}

Covering CommonestCovering(const std::vector<int64_t>& counts) {
  int64_t total = 0;
  for (int64_t n : counts) total += n;
  Covering c;
  while (c.kept < counts.size() &&
         static_cast<double>(c.covered) < 0.95 * static_cast<double>(total)) {
    c.covered += counts[c.kept++];
  }
  return c;
}

std::vector<placement::WorkloadShape> WorkloadOf(const std::vector<TracePod>& pods,
                                                 MixWeights weights) {
  // Groups by GPU request and the GPU models accepted (a pod that asks for T4s is another shape
  // than one that takes any GPU); within a group, by cpu (cpu -> the pods' memory): a median
  // cpu would hide the pods that only the biggest hosts hold.
  std::map<std::pair<int64_t, std::vector<std::string>>, std::map<int64_t, std::vector<int64_t>>>
      groups;
  for (const TracePod& p : pods) {
    std::vector<std::string> models = p.task.gpu_models;
    std::sort(models.begin(), models.end());
    groups[{p.task.demand.milli_gpu(), std::move(models)}][p.task.demand.milli_cpu()].push_back(
        p.task.demand.memory_mb());
  }
  std::vector<placement::WorkloadShape> out;
  for (auto& [key, by_cpu] : groups) {
    int64_t group_pods = 0;
    std::vector<std::pair<int64_t, std::vector<int64_t>*>> cpus;  // cpu, its pods' memory
    for (auto& [cpu, memory] : by_cpu) {
      group_pods += static_cast<int64_t>(memory.size());
      cpus.emplace_back(cpu, &memory);
    }
    // The most common cpu values first (ties: the smaller cpu), until 95% of the group.
    std::stable_sort(cpus.begin(), cpus.end(), [](const auto& a, const auto& b) {
      return a.second->size() > b.second->size();
    });
    std::vector<int64_t> counts;
    for (const auto& [cpu, memory] : cpus) counts.push_back(static_cast<int64_t>(memory->size()));
    const auto [kept, covered] = CommonestCovering(counts);
    const double group_weight =
        weights == MixWeights::kUniform
            ? 1.0
            : static_cast<double>(group_pods) / static_cast<double>(pods.size());
    for (size_t i = 0; i < kept; ++i) {
      std::vector<int64_t>& memory = *cpus[i].second;
      const size_t mid = memory.size() / 2;
      std::nth_element(memory.begin(), memory.begin() + mid, memory.end());
      out.push_back(
          {Resources::Of(cpus[i].first, memory[mid], 0, key.first),
           group_weight * static_cast<double>(memory.size()) / static_cast<double>(covered),
           key.second});
    }
  }
  return out;
}

}  // namespace peloton::backend::sim
