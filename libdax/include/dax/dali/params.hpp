#pragma once
/// DALI 1.1 request parameters (section 3): names are case-insensitive, values are kept as
/// sent, a parameter may repeat (its values stay in order); MAXREC (3.2.3) and
/// RESPONSEFORMAT (3.2.2) negotiation shared by every service.
#include <dax/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dax::dali {

/// Request parameters in arrival order (GET query, POST form, multipart fields), names as sent.
using parameters = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);
/// The value of a parameter, name compared case-insensitively; the last one wins when a
/// single-valued parameter is repeated.
std::optional<std::string> value(const parameters& p, std::string_view name);
/// Every value of a (multi-valued) parameter, in order (SIA 2.0 POS, SODA CIRCLE, DataLink ID).
std::vector<std::string> values(const parameters& p, std::string_view name);
/// `s` without leading and trailing white space.
std::string trim(std::string_view s);

/// MAXREC (DALI 1.1 section 3.2.3): a non-negative integer; absent or blank gives
/// `default_maxrec`; larger than `hard_maxrec` is lowered to it.
result<std::int64_t> maxrec(const parameters& p, std::int64_t default_maxrec, std::int64_t hard_maxrec);

/// An output format a service offers.
struct output_format {
    std::string name;                  ///< short name, e.g. votable, csv
    std::string mime;                  ///< Content-Type of the response
    std::vector<std::string> aliases;  ///< values accepted (short names and MIME types)
    std::string ivo_id;                ///< registry identifier, if standard
};
/// The format a RESPONSEFORMAT value names: case-insensitive, MIME parameters in any order and
/// spacing; nullptr if none.
const output_format* find_format(const std::vector<output_format>& formats, std::string_view value);
/// RESPONSEFORMAT (or `alias`, e.g. TAP's FORMAT, when given) negotiated against `formats`;
/// absent or blank gives formats[0]. An unknown value is a usage error listing the choices.
result<const output_format*> response_format(const parameters& p, const std::vector<output_format>& formats,
                                             std::string_view alias = {});

}  // namespace dax::dali
