#pragma once
/// XML text shared by every document libdax writes (VOTable, UWS, VOSI).
#include <string>
#include <string_view>

namespace dax {

/// XML-escapes text for element content and attribute values; bytes that are not UTF-8,
/// control characters and U+FFFE/U+FFFF are replaced, so the document stays well-formed.
std::string xml_escape(std::string_view text);

}  // namespace dax
