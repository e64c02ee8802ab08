#pragma once
/// Job results: written under a temporary name and renamed when complete, so a half-written
/// result is never visible. A directory by default; the interface allows an object store.
#include <dax/sink.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dax::uws {

/// A result being written: a sink for the table writers. commit() makes it visible; dropping
/// it without commit() deletes what was written.
class result_output : public dax::sink {
public:
    /// Makes the result visible; returns its size in bytes.
    virtual std::uint64_t commit() = 0;
};

class result_store {
public:
    virtual ~result_store() = default;
    /// Ids must be [A-Za-z0-9_.-]+ not starting with '.': ids never become arbitrary paths.
    virtual std::unique_ptr<result_output> create(std::string_view job_id, std::string_view result_id) = 0;
    /// The file of a committed result (for serving with HTTP Range), or "" if absent.
    virtual std::string path(std::string_view job_id, std::string_view result_id) const = 0;
    /// Deletes every result of a job, committed or not.
    virtual void remove_job(std::string_view job_id) = 0;
    /// The ids of a job's committed results.
    virtual std::vector<std::string> list(std::string_view job_id) const = 0;
};

/// Results in `directory`/<job>/<result>, created if missing.
std::unique_ptr<result_store> open_directory_result_store(const std::string& directory);

/// True if `id` is a safe job or result identifier.
bool valid_id(std::string_view id);

}  // namespace dax::uws
