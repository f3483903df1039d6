// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// For tests that start servers on loopback: a port that nothing listens on now (the kernel's
// choice of a free one, released again; a race with other processes is possible but rare).

#ifndef PELOTON_TESTING_PORTS_H_
#define PELOTON_TESTING_PORTS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace peloton::testing {

inline uint32_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  return ok ? ntohs(a.sin_port) : 0;
}

}  // namespace peloton::testing

#endif  // PELOTON_TESTING_PORTS_H_
