#pragma once
/// Spherical geometry on the unit sphere, in degrees at the interface: points, circles,
/// polygons, containment, overlap, areas. Pure functions shared by the SQLite functions, the
/// translators (constant folding, prefilters), SIA and SODA. Parsing values: dax/dali/shapes.hpp.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dax::geometry {

struct vec3 {
    double x = 0, y = 0, z = 0;
};

struct lonlat {
    double lon = 0;  // degrees, any range on input; [0, 360) on output
    double lat = 0;  // degrees
};

vec3 to_vec(double lon_deg, double lat_deg);
lonlat to_lonlat(const vec3& v);
vec3 cross(const vec3& a, const vec3& b);
double dot(const vec3& a, const vec3& b);
vec3 normalize(const vec3& v);

/// Angular distance in degrees (atan2 form: accurate at 0 and 180 degrees).
double distance_deg(double lon1, double lat1, double lon2, double lat2);
double distance_deg(const vec3& a, const vec3& b);

/// A spherical polygon: vertices in order, edges are minor great-circle arcs.
struct polygon {
    std::vector<vec3> vertices;
    // Derived (by prepare): bounding cap.
    vec3 cap_center;
    double cap_radius_deg = 180;
};

/// Fills the bounding cap; returns false if the vertices are degenerate (fewer than 3, or
/// consecutive vertices equal or antipodal).
bool prepare(polygon& p);
polygon make_polygon(const std::vector<lonlat>& vertices);

/// ADQL BOX (ADQL 2.1 section 4.2.3 / STC Box): the polygon whose sides are great circles
/// through the ends of the arms of a cross centred on (lon, lat), at right angles to the arms.
std::vector<lonlat> box_corners(double lon, double lat, double width, double height);

bool point_in_circle(const vec3& p, const vec3& c, double radius_deg);
/// Point in polygon (either orientation; the polygon is the smaller region, inside its cap).
bool point_in_polygon(const vec3& p, const polygon& poly);
/// True if all interior angles turn the same way.
bool is_convex(const std::vector<lonlat>& vertices);
/// The vertices ordered counter-clockwise (seen from outside the sphere).
std::vector<lonlat> counter_clockwise(const std::vector<lonlat>& vertices);

/// Minimum angular distance (degrees) from p to the minor arc a-b.
double distance_to_arc_deg(const vec3& p, const vec3& a, const vec3& b);
bool arcs_cross(const vec3& a, const vec3& b, const vec3& c, const vec3& d);

/// Area of a polygon in steradians (Girard / l'Huilier via signed triangle fan).
double polygon_area_sr(const polygon& p);
double circle_area_sr(double radius_deg);

/// A point, circle or polygon on the sphere (dali::read_shape makes one from its DALI
/// serialisation, as stored in SQLite and VOTable).
struct shape {
    enum class kind_t { point, circle, polygon } kind = kind_t::point;
    vec3 center;           // point / circle
    double radius = 0;     // circle, degrees
    polygon poly;
    std::vector<double> numbers;  // as parsed
};
/// DALI serialisation of numbers: "lon lat", "lon lat r", "lon1 lat1 lon2 lat2 ...".
std::string format_dali(const std::vector<double>& numbers);

/// CONTAINS(a, b): a inside b. Returns nullopt for unsupported combinations.
std::optional<bool> contains(const shape& a, const shape& b);
std::optional<bool> intersects(const shape& a, const shape& b);
double area_deg2(const shape& s);
lonlat centroid(const shape& s);

/// The latitude band [min, max] (degrees) that contains a cap of `radius` around `center`.
std::array<double, 2> cap_lat_range(const lonlat& center, double radius_deg);

/// A number printed so that it reads back exactly (shortest round-trip form).
std::string format_number(double v);

}  // namespace dax::geometry
