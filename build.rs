// The shared library's SONAME is set here and only here; the Makefile reads it back from the
// built library when it installs the versioned file and its symlinks.
const SONAME: &str = "libvirt-migration-check.so.0";

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");
    println!("cargo:rerun-if-changed=build.rs");
}
