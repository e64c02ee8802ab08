#pragma once
// What every server's main() does the same way: the command line, malloc tuning, signals
// (SIGINT/SIGTERM stop accepting; requests in progress finish), listening with TCP_NODELAY.
#include "http_server.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace dax::http {

struct command_line {
    std::string host, data_dir, config_file, role;
    int port = 0;
};

/// Parses [--host H] [--port P] [--data-dir D] [--config FILE] [--role R]; on --help or a bad argument
/// prints `usage` and returns nullopt with the exit code in `exit_code`.
std::optional<command_line> parse_command_line(int argc, char** argv, const std::string& usage, int& exit_code);

/// Process set-up before any thread starts: few malloc arenas for many worker threads (memory
/// freed by one request is reused by the next instead of kept per arena).
void prepare_process();

/// Listens on host:port until SIGINT or SIGTERM, then stops accepting and returns; the requests
/// in progress finish when the server is destroyed (destroy it before what its routes use), then
/// the caller drains its jobs (uws::engine::drain), each within `grace`; the process ends
/// 2 x grace + 5 s after the signal at the latest (status 128 + signal). A second signal ends it
/// at once. False if it cannot listen.
/// `stopping` runs as soon as the signal arrives (e.g. uws::engine::begin_drain: no more claims,
/// WAITs return, so the requests in progress end soon).
bool serve(server& s, const std::string& host, int port, std::chrono::seconds grace = std::chrono::seconds(20),
           std::function<void()> stopping = {});
/// For a process that serves no HTTP (a worker): blocks until SIGINT or SIGTERM, after which the
/// process has `grace` to finish (then it ends with status 128 + signal; a second signal ends
/// it at once).
void wait_for_stop(std::chrono::seconds grace);

}  // namespace dax::http
