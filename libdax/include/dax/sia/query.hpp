#pragma once
/// SIA 2.0 {query} (section 2.2): the request parameters as an ADQL query over an ObsCore table,
/// built as an AST (dax/adql/build.hpp), so it runs through the query runner on every backend
/// and no value is ever spliced into query text.
#include <dax/adql/ast.hpp>
#include <dax/dali/params.hpp>
#include <dax/error.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dax::sia {

/// The query for `params`: SELECT * FROM `table` (an ObsCore 1.1 table) WHERE the constraints
/// of POS, BAND, TIME, POL, FOV, SPATRES, EXPTIME, ID, COLLECTION, FACILITY, INSTRUMENT, DPTYPE,
/// CALIB, TARGET, TIMERES, SPECRP, FORMAT (and RELEASEDATE, which no ObsCore row here has):
/// the values of one parameter OR-ed, different parameters AND-ed, bounds inclusive, a single
/// number standing for [v, v], unknown (NULL) values never matching. Only image and cube
/// datasets are found. A bad value is a usage error naming the parameter. MAXREC,
/// RESPONSEFORMAT and unknown parameters are left to the caller.
result<adql::query_ptr> build_query(const dali::parameters& params, std::string_view table = "ivoa.ObsCore");

/// The SIA 2.0 section 2.2.19 self-description: a `type="meta" utype="adhoc:service"` RESOURCE
/// named "this" listing the query parameters, for every response (and alone for MAXREC=0).
std::string self_description(std::string_view query_url);

/// The query parameters this implementation knows (upper case).
const std::vector<std::string>& parameter_names();

}  // namespace dax::sia
