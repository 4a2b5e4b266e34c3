#pragma once
// Small, careful file helpers shared by the tools that write configuration
// files (roost passwd, roost addon init).

#include <optional>
#include <string>
#include <sys/types.h>

namespace roost::core {

// Appends the whole file at `path` to `out`; false (with `error`) when it cannot be read.
bool read_text_file(const std::string& path, std::string& out, std::string& error);

// Writes `text` to `path` through a temporary file in the same folder
// (made with mkstemp: never an existing name, never through a symlink),
// fsyncs it and renames it over the old one, so a reader sees the old file
// or the new one, never half of one. `mode` set: the file gets exactly that
// mode, and a symlink at `path` is replaced, never followed (generated
// files in folders others can write). Unset: a new file gets 0600, an
// existing one keeps its owner, group and mode (a broker running as another
// user can still read it), and a symlink is followed: its target changes.
bool write_file_atomically(const std::string& path, const std::string& text, std::optional<mode_t> mode,
                           std::string& error);

}  // namespace roost::core
