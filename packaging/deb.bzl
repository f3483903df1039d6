"""Debian packages (.deb) built with Debian's own tools (dpkg-deb, dpkg-shlibdeps).

    deb_package(
        name = "peloton",
        description = "...",
        files = {"//services/bin:peloton-master": "/usr/bin/"},  # a path ending in / is a folder
        ...
    )

The package's version is the build's (scripts/version.sh --debian, through Bazel's workspace
status), so its output is <name>.deb and `make debs` names the copy it makes. Everything the
action does is in build_deb.sh.
"""

def _deb_package_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".deb")
    lines = []
    inputs = [ctx.info_file, ctx.file._fallback_version]
    for target, spec in ctx.attr.files.items():
        dest, _, mode = spec.partition(":")
        for f in target.files.to_list():
            inputs.append(f)
            path = dest + f.basename if dest.endswith("/") else dest
            lines.append("\t".join([f.path, path, mode or "0644"]))
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.write(manifest, "\n".join(lines) + "\n")
    inputs.append(manifest)

    control = ctx.actions.declare_file(ctx.label.name + ".control")
    ctx.actions.write(control, "\n".join([
        "Package: " + ctx.label.name,
        "Version: @VERSION@",
        "Architecture: " + ctx.attr.architecture,
        "Maintainer: " + ctx.attr.maintainer,
        "Installed-Size: @INSTALLED_SIZE@",
        "Depends: @DEPENDS@",
    ] + (["Recommends: " + ", ".join(ctx.attr.recommends)] if ctx.attr.recommends else []) + [
        "Section: " + ctx.attr.section,
        "Priority: optional",
        "Homepage: https://github.com/peloton-cpp/peloton",
        "Description: " + ctx.attr.description,
    ] + [" " + (line if line else ".") for line in ctx.attr.long_description.split("\n")]) + "\n")
    inputs.append(control)

    scripts = []
    for script in ctx.files.maintainer_scripts:
        inputs.append(script)
        scripts.append(script.path)

    args = ctx.actions.args()
    args.add_all([out, ctx.info_file, ctx.file._fallback_version, manifest, control])
    args.add(",".join(ctx.attr.depends))
    args.add("1" if ctx.attr.shlibdeps else "0")
    args.add(ctx.expand_location(ctx.attr.install_hook, ctx.attr.install_hook_data))
    args.add_all(scripts)
    ctx.actions.run(
        executable = ctx.executable._build_deb,
        arguments = [args],
        inputs = inputs + ctx.files.install_hook_data,
        outputs = [out],
        mnemonic = "DebPackage",
        progress_message = "Packaging %s" % out.short_path,
        # dpkg-deb, dpkg-shlibdeps (and the dpkg database it reads), strip, help2man and
        # Debian's python3 are the system's.
        use_default_shell_env = True,
    )
    return [DefaultInfo(files = depset([out]))]

deb_package = rule(
    implementation = _deb_package_impl,
    attrs = {
        "description": attr.string(mandatory = True, doc = "the one-line synopsis"),
        "long_description": attr.string(mandatory = True),
        "files": attr.label_keyed_string_dict(
            allow_files = True,
            doc = "what to install: target -> /path (a file) or /dir/ (its files), " +
                  "with :MODE (default 0644)",
        ),
        "depends": attr.string_list(doc = "dependencies besides the shared libraries'"),
        "recommends": attr.string_list(doc = "packages it is meant to be used with"),
        "shlibdeps": attr.bool(default = True, doc = "depend on the libraries the ELF files use"),
        "install_hook": attr.string(
            doc = "a command run with DESTDIR set to the package's tree and " +
                  "PELOTON_VERSION to the build's version, from the execution root " +
                  "($(location) of install_hook_data expanded)",
        ),
        "install_hook_data": attr.label_list(allow_files = True),
        "maintainer_scripts": attr.label_list(
            allow_files = True,
            doc = "postinst, prerm, postrm, ... (by base name)",
        ),
        "architecture": attr.string(default = "amd64"),
        "section": attr.string(default = "admin"),
        "maintainer": attr.string(default = "Peloton-C++ developers <peloton-cpp@lists.invalid>"),
        "_build_deb": attr.label(
            default = "//packaging:build_deb",
            executable = True,
            cfg = "exec",
        ),
        "_fallback_version": attr.label(default = "//:VERSION", allow_single_file = True),
    },
)
