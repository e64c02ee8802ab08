#pragma once
// A response streamed from work that runs on its own thread (a sync query, a cutout): the
// response starts at the work's first output, so an error before it still gets its DALI error
// document and status, and a client that leaves stops the work.
#include <dax/sink.hpp>

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>

namespace dax::http {

/// Runs `produce` on a reused thread, writing into a sink whose bytes become the body of `res`
/// (chunked, at most 1 MiB ahead of the client). A dax::error thrown before any output is the
/// reply (status of its kind); one thrown after has been written into the document by the
/// writer (VOTable), or, with `cut_on_late_error` (formats that cannot carry an error, FITS), ends
/// the response without its last chunk, as does a result cut short: the client sees it incomplete.
/// `deadline` bounds the work even while the client reads slowly. Whatever `produce` captures
/// lives until it returns.
void stream_reply(httplib::Response& res, const std::string& mime, std::chrono::steady_clock::time_point deadline,
                  std::function<void(dax::sink&)> produce, bool cut_on_late_error = false);

}  // namespace dax::http
