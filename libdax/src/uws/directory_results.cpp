#include <algorithm>
#include <dax/error.hpp>
#include <dax/uws/results.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <random>

namespace dax::uws {

namespace fs = std::filesystem;

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 128 || id.front() == '.') return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
    return true;
}

namespace {

class file_output final : public result_output {
public:
    file_output(fs::path tmp, fs::path final_path) : tmp_(std::move(tmp)), final_(std::move(final_path)) {
        fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd_ < 0) throw error(fmt::format("cannot create a result file: {}", std::strerror(errno)));
    }
    ~file_output() override {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) {
            std::error_code ec;
            fs::remove(tmp_, ec);
        }
    }
    void write(const char* data, std::size_t size) override {
        while (size) {
            const ssize_t n = ::write(fd_, data, size);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw error(fmt::format("cannot write a result: {}", std::strerror(errno)));
            }
            data += n;
            size -= static_cast<std::size_t>(n);
            size_ += static_cast<std::uint64_t>(n);
        }
    }
    std::uint64_t commit() override {
        if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
            fd_ = -1;
            throw error(fmt::format("cannot finish a result: {}", std::strerror(errno)));
        }
        fd_ = -1;
        fs::rename(tmp_, final_);  // atomic within one file system
        committed_ = true;
        return size_;
    }

private:
    fs::path tmp_, final_;
    int fd_ = -1;
    bool committed_ = false;
    std::uint64_t size_ = 0;
};

class directory_store final : public result_store {
public:
    explicit directory_store(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }

    std::unique_ptr<result_output> create(std::string_view job_id, std::string_view result_id) override {
        if (!valid_id(job_id) || !valid_id(result_id)) throw error("invalid job or result identifier");
        const fs::path d = dir_ / std::string(job_id);
        fs::create_directories(d);
        thread_local std::mt19937_64 rng{std::random_device{}()};
        const fs::path tmp = d / fmt::format(".{}.{:016x}.part", result_id, rng());
        return std::make_unique<file_output>(tmp, d / std::string(result_id));
    }

    std::vector<std::string> list(std::string_view job_id) const override {
        std::vector<std::string> ids;
        if (!valid_id(job_id)) return ids;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir_ / std::string(job_id), ec)) {
            const std::string name = e.path().filename().string();
            if (e.is_regular_file(ec) && valid_id(name)) ids.push_back(name);  // not the .part files
        }
        std::sort(ids.begin(), ids.end());
        return ids;
    }

    std::string path(std::string_view job_id, std::string_view result_id) const override {
        if (!valid_id(job_id) || !valid_id(result_id)) return "";
        const fs::path p = dir_ / std::string(job_id) / std::string(result_id);
        std::error_code ec;
        return fs::is_regular_file(p, ec) ? p.string() : "";
    }

    void remove_job(std::string_view job_id) override {
        if (!valid_id(job_id)) return;
        std::error_code ec;
        fs::remove_all(dir_ / std::string(job_id), ec);
    }

private:
    fs::path dir_;
};

}  // namespace

std::unique_ptr<result_store> open_directory_result_store(const std::string& directory) {
    return std::make_unique<directory_store>(directory);
}

}  // namespace dax::uws
