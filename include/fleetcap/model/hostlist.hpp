// Slurm's hostlist notation, written: "h100-[01-04,07]" for h100-01..04 and h100-07. Pure.
// (Reading it, expand_hostlist, lives with the Slurm adapter in src/source/slurm_text.cpp.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

// The names as one compressed hostlist, as `scontrol show hostlistsorted` writes it: names that
// differ only in a final run of digits share one bracket, with consecutive numbers as ranges.
// A zero-padded number shares a bracket only with numbers of its width; sorted by prefix, then
// number; duplicates once. Names without a final number, or with a character the notation
// gives a meaning to ("[],"), are listed as they are, after the others. Empty: "".
std::string compress_hostlist(const std::vector<std::string_view>& names);

} // namespace fleetcap
