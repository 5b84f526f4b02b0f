// Whether something follows the JSON document just read: one answer is one document, whoever
// reads it (parse.cpp's pages, the Slurm and Kubernetes adapters' responses). Private to src/.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace fleetcap {

// Something (a second document, anything but blanks) follows the document `doc` read to its
// end (simdjson 3.0's document has no at_end()).
bool more_after(simdjson::ondemand::document& doc);

// "line L, column C: more JSON after the end of the document (...)", where it starts in `text`.
std::string after_document(simdjson::ondemand::document& doc, std::string_view text);

} // namespace fleetcap
