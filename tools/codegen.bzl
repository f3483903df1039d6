"""Code generation with the system compilers (Debian's capnp 0.9.2 and protoc 3.21).

Both macros run the compiler in a genrule and wrap the outputs in a cc_library, so a
schema is used like any other library: `deps = [":foo_capnp"]`, `#include "path/foo.capnp.h"`.
Schemas may import others only from the same package.
"""

def capnp_cc_library(name, srcs, deps = [], visibility = None):
    """C++ code for Cap'n Proto schemas `srcs` (foo.capnp -> foo.capnp.h, foo.capnp.c++)."""
    hdrs = [s + ".h" for s in srcs]
    cpps = [s + ".c++" for s in srcs]
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = hdrs + cpps,
        cmd = " ".join([
            "/usr/bin/capnp compile -I/usr/include",
            "-o/usr/bin/capnpc-c++:$(GENDIR)",
            "$(SRCS)",
        ]),
        message = "capnp " + name,
    )
    native.cc_library(
        name = name,
        srcs = cpps,
        hdrs = hdrs,
        deps = deps + ["@system//:capnp_rpc"],
        visibility = visibility,
    )

def proto_cc_library(name, srcs, deps = [], visibility = None):
    """C++ code for protobuf schemas `srcs` (foo.proto -> foo.pb.h, foo.pb.cc)."""
    hdrs = [s[:-len(".proto")] + ".pb.h" for s in srcs]
    ccs = [s[:-len(".proto")] + ".pb.cc" for s in srcs]
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = hdrs + ccs,
        cmd = "/usr/bin/protoc -I. -I/usr/include --cpp_out=$(GENDIR) $(SRCS)",
        message = "protoc " + name,
    )
    native.cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        deps = deps + ["@system//:protobuf"],
        visibility = visibility,
    )
