#pragma once
/// DALI 1.1 values (section 3.3) and the shapes of SIA 2.0 POS, SODA 1.0 CIRCLE/POLYGON/POS and
/// ADQL REGION: one parser for all of them. Numbers are degrees (shapes) or plain numbers
/// (intervals); every refusal is a dax::error of kind usage saying what is wrong.
#include <dax/error.hpp>
#include <dax/geometry/sphere.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dax::dali {

/// A shape as DALI serialises it: its kind and its numbers.
struct shape {
    enum class kind_t { point, circle, polygon, range, box } kind = kind_t::point;
    /// point: lon lat; circle: lon lat radius; polygon: lon1 lat1 lon2 lat2 ...;
    /// range: lon1 lon2 lat1 lat2 (may be infinite); box: lon lat width height.
    std::vector<double> numbers;
    /// The region on the sphere (a range or box as its polygon; a range that is a whole
    /// longitude band is not a polygon: nullopt).
    std::optional<geometry::shape> sphere() const;
};

/// DALI 1.1 section 3.3.5 point: "lon lat", lon in [0, 360], lat in [-90, 90].
result<shape> parse_point(std::string_view text);
/// Section 3.3.6 circle: "lon lat radius", radius in (0, 180].
result<shape> parse_circle(std::string_view text);
/// Section 3.3.7 polygon: "lon1 lat1 lon2 lat2 lon3 lat3 ...", at least 3 vertices, no two
/// consecutive vertices equal or antipodal.
result<shape> parse_polygon(std::string_view text);
/// SIA 2.0 section 2.1 / SODA 1.0 section 3.3 POS: "CIRCLE lon lat r", "RANGE lon1 lon2 lat1 lat2"
/// (-Inf / +Inf for open ends; lon1 > lon2 crosses longitude 0 and is kept as lon2 + 360) or
/// "POLYGON lon1 lat1 ...", the keyword in any case.
result<shape> parse_pos(std::string_view text);
/// An ADQL REGION: a shape, or (STC-S) a Union or Intersection of regions, or Not of one.
struct region {
    enum class op_t { shape, union_, intersection, not_ } op = op_t::shape;
    dali::shape value;           ///< op == shape
    std::string frame;           ///< the STC-S frame words as given ("" = none), inherited by parts
    std::vector<region> parts;   ///< union / intersection: 2 or more; not: 1
};
/// ADQL 2.1 section 4.2.8 REGION: STC-S 1.33 ("Position", "Circle", "Polygon", "Box", "Union",
/// "Intersection", "Not"; frame, reference position and flavour words, any case; nested up to
/// 32 deep), or a DALI value told by its count. Frames are given back, not converted.
result<region> parse_region(std::string_view text);

/// DALI 1.1 section 3.3.4 interval: "lo hi", -Inf / +Inf for open ends, lo <= hi.
struct interval {
    double lo = 0, hi = 0;
};
result<interval> parse_interval(std::string_view text);
/// Section 3.3.3 timestamp "YYYY-MM-DD['T'hh:mm:ss[.fff]]['Z']" as an MJD (UTC).
result<double> parse_timestamp_mjd(std::string_view text);
/// An interval of times: two MJD numbers (SIA 2.0 TIME, SODA TIME) or two timestamps.
result<interval> parse_time_interval(std::string_view text);

/// Numbers in a stored value (a database cell), whatever separates them; fast and lenient.
void scan_numbers(std::string_view text, std::vector<double>& out);
/// A stored geometry value (DALI "lon lat ...", or STC-S "POLYGON ICRS ..." as in ObsCore
/// s_region) for the geometry functions; nullopt if it is not a point, circle or polygon.
std::optional<geometry::shape> read_shape(std::string_view text);
/// The STC-S form of DALI numbers (2: POSITION, 3: CIRCLE, more: POLYGON), in frame ICRS.
std::string stcs_of(const std::vector<double>& numbers);
/// A DALI value with its numbers as written, as STC-S (an STC-S value is kept as it is).
std::string stcs_of_text(std::string_view value);

}  // namespace dax::dali
