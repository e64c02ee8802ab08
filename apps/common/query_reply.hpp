#pragma once
// What every server that answers with query results does around the query runner: admit the
// request within the in-flight limit, then stream the prepared query's rows as the reply.
#include "auth.hpp"
#include "replies.hpp"

#include <dax/tap/service.hpp>

#include <httplib.h>

#include <atomic>
#include <memory>

namespace dax::http {

/// A slot among `limit` queries in flight, or nullptr after answering 503 (Retry-After 1 s) or
/// 401 when `identity` refuses the caller.
std::shared_ptr<in_flight> admit(const httplib::Request& req, httplib::Response& res, std::atomic<std::size_t>& running,
                                 std::size_t limit, const identity_function& identity);

/// Streams the rows of `q` (within the sync time limit) as the reply; the slot is held until the
/// last row is written.
void stream_query(const tap::service& svc, httplib::Response& res, tap::prepared_query q, std::shared_ptr<in_flight> slot,
                  const std::string& mime);

}  // namespace dax::http
