// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What a server hands out to several consumers, each taking every item once: the host
// manager's task events and the resource manager's preempted tasks, which every all-active
// job manager takes (each acts on its own jobs' and passes over the rest; issue 19). One
// consumer alone sees what the single queue before it showed: items added while no consumer
// is known wait for the first one.
//
// Bounded: a consumer whose queue reaches max_queue items loses them, and is told so (it
// reconciles instead); one that has not taken anything for `idle` is forgotten (a job manager
// that died), and its queue freed.
//
//   Fanout<backend::TaskStatus> events;
//   events.Add(hm.Poll(), absl::Now());
//   Fanout<backend::TaskStatus>::Taken t = events.Take(consumer, absl::Now());
//
// Thread-compatible (the server's loop owns it).

#ifndef PELOTON_SERVICES_RPC_FANOUT_H_
#define PELOTON_SERVICES_RPC_FANOUT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace peloton::rpc {

template <typename T>
class Fanout {
 public:
  struct Options {
    size_t max_queue = 1'000'000;
    absl::Duration idle = absl::Minutes(1);
  };
  struct Taken {
    std::vector<T> items;  // oldest first
    bool lost = false;     // items were dropped since the last take (the queue was full)
  };

  Fanout() : Fanout(Options()) {}
  explicit Fanout(Options options) : options_(options) {}

  void Add(std::vector<T> items, absl::Time now) {
    if (items.empty()) return;
    Forget(now);
    if (consumers_.empty()) {
      Append(unclaimed_, std::move(items));
      return;
    }
    size_t left = consumers_.size();
    for (auto& [name, queue] : consumers_) {
      // The last one takes the items themselves; the others copies.
      Append(queue, --left == 0 ? std::move(items) : items);
    }
  }

  // From now on `consumer` takes every item added (Take joins too, but what an Add before it
  // brought is not the newcomer's): a client joins before it reads the state the items change
  // (a job manager, before it reconciles its tasks), so that nothing falls between the two.
  void Join(const std::string& consumer, absl::Time now) { JoinQueue(consumer, now); }

  Taken Take(const std::string& consumer, absl::Time now) {
    Queue& queue = JoinQueue(consumer, now);
    Taken taken{std::move(queue.items), queue.lost};
    queue.items = {};
    queue.lost = false;
    return taken;
  }

  size_t consumers() const { return consumers_.size(); }

 private:
  struct Queue {
    std::vector<T> items;
    bool lost = false;
    absl::Time last_take = absl::InfinitePast();
  };

  Queue& JoinQueue(const std::string& consumer, absl::Time now) {
    Forget(now);
    auto [it, added] = consumers_.try_emplace(consumer);
    Queue& queue = it->second;
    if (added && consumers_.size() == 1) queue = std::move(unclaimed_);
    unclaimed_ = Queue();
    queue.last_take = now;
    return queue;
  }

  void Append(Queue& queue, std::vector<T> items) {
    if (queue.items.size() + items.size() > options_.max_queue) {
      queue.items.clear();
      queue.lost = true;
      if (items.size() > options_.max_queue) return;
    }
    if (queue.items.empty()) {
      queue.items = std::move(items);
    } else {
      queue.items.insert(queue.items.end(), std::make_move_iterator(items.begin()),
                         std::make_move_iterator(items.end()));
    }
  }

  void Forget(absl::Time now) {
    absl::erase_if(consumers_,
                   [&](const auto& c) { return now - c.second.last_take > options_.idle; });
  }

  Options options_;
  absl::flat_hash_map<std::string, Queue> consumers_;
  Queue unclaimed_;  // added while no consumer was known
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_FANOUT_H_
