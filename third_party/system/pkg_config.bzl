"""A repository rule wrapping Debian's system libraries as cc_library targets.

Each target carries the `-D` flags and linker flags that `pkg-config` prints for its
packages on this machine. Headers come from /usr/include, which the auto-configured C++
toolchain already searches, so no header globs are needed. Nothing is downloaded.
"""

def _pkg_config_repository_impl(ctx):
    pkg_config = ctx.which("pkg-config")
    if pkg_config == None:
        fail("pkg-config is not installed; run scripts/bootstrap.sh")
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    names = sorted(ctx.attr.libraries.keys() + [n for n in ctx.attr.extra_linkopts.keys() if n not in ctx.attr.libraries])
    for name in names:
        defines = []
        linkopts = []
        spec = ctx.attr.libraries.get(name, "")
        if spec:
            result = ctx.execute([pkg_config, "--cflags", "--libs"] + spec.split(" "))
            if result.return_code != 0:
                fail("pkg-config failed for @system//:%s (%s): %s\nRun scripts/bootstrap.sh to install the packages." %
                     (name, spec, result.stderr))
            for flag in result.stdout.replace("\n", " ").split(" "):
                if not flag:
                    continue
                if flag.startswith("-D"):
                    defines.append(flag[2:])
                elif flag.startswith("-I"):
                    if flag[2:] not in ["/usr/include", "/usr/include/x86_64-linux-gnu"]:
                        fail("@system//:%s: pkg-config gives an include directory (%s) outside /usr/include" % (name, flag))
                else:
                    linkopts.append(flag)
        linkopts += [f for f in ctx.attr.extra_linkopts.get(name, "").split(" ") if f]
        lines.append("cc_library(")
        lines.append('    name = "%s",' % name)
        lines.append("    defines = %s," % repr(defines))
        lines.append("    linkopts = %s," % repr(linkopts))
        lines.append(")")
        lines.append("")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(lines))

pkg_config_repository = repository_rule(
    implementation = _pkg_config_repository_impl,
    attrs = {
        "libraries": attr.string_dict(doc = "target name -> space-separated pkg-config package names"),
        "extra_linkopts": attr.string_dict(doc = "target name -> extra space-separated linker flags"),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
