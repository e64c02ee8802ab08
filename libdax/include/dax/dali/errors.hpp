#pragma once
/// DALI 1.1 section 4.4 errors: the HTTP status of each error kind (decided here once for
/// every service) and the VOTable error document (section 4.4.3).
#include <dax/error.hpp>

#include <string>
#include <string_view>

namespace dax::dali {

/// usage 400, not_found 404, unauthenticated 401, forbidden 403, overloaded 503, quota 429,
/// unsupported 400, internal 500.
int http_status(error_kind kind);
/// The fault names of DataLink 1.1 section 3.4 / SODA 1.0 section 5.2 ("UsageFault",
/// "NotFoundFault", "AuthenticationFault", "AuthorizationFault", "TransientFault",
/// "NotSupported", "FatalFault"), for error_message cells and error documents that name them.
std::string_view fault_name(error_kind kind);
/// A VOTable with INFO name="QUERY_STATUS" value="ERROR" holding the message.
std::string error_document(std::string_view message);
std::string error_document(const error& e);

}  // namespace dax::dali
