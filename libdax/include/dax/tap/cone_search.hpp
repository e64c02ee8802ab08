#pragma once
/// Simple Cone Search 1.03 on any published table with main position columns (UCDs
/// pos.eq.ra;meta.main and pos.eq.dec;meta.main): a query built as an AST and run by the query
/// runner, so it works on every backend.
#include <dax/dali/params.hpp>
#include <dax/tap/service.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dax::tap {

/// "schema.table" of every table a cone search can serve, in catalog order.
std::vector<std::string> cone_search_tables(const service& svc);

/// The query for RA, DEC, SR (degrees, ICRS) and VERB (1: id and position, 2: the principal
/// columns, the default, 3: every column) and MAXREC on `table`. The result's ID and position
/// FIELDs carry the UCD1 words SCS 1.03 section 3.3 requires (ID_MAIN, POS_EQ_RA_MAIN,
/// POS_EQ_DEC_MAIN). Errors are usage errors saying which parameter is wrong, or not_found.
result<prepared_query> prepare_cone_search(const service& svc, std::string_view table, const dali::parameters& p);

/// SCS 1.03 section 3.4: an error is a VOTable with INFO name="Error" (and DALI's QUERY_STATUS).
std::string cone_search_error(std::string_view message);

}  // namespace dax::tap
