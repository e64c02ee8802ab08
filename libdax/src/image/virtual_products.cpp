#include <dax/image/virtual_products.hpp>

#include <dax/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dax::image {

namespace fs = std::filesystem;

const recipe_book::maker* recipe_book::find(std::string_view recipe) const {
    const auto it = makers_.find(recipe.substr(0, recipe.find(':')));  // "name" or "name:argument"
    return it == makers_.end() ? nullptr : &it->second;
}

void make_file(const stored_file& f, const recipe_book& recipes) {
    const auto* m = recipes.find(f.recipe);
    if (!m) throw error(fmt::format("dataset {}: no recipe '{}' to make its file", f.did, f.recipe));
    std::error_code ec;
    fs::create_directories(fs::path(f.path).parent_path(), ec);
    const std::string lock_path = f.path + ".lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw error(fmt::format("dataset {}: its file cannot be made here", f.did));
    struct unlock {
        int fd;
        ~unlock() { ::close(fd); }  // closing releases the flock
    } u{fd};
    while (::flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) throw error(fmt::format("dataset {}: cannot lock its file", f.did));
    if (fs::exists(f.path, ec)) return;  // another process made it while this one waited
    (*m)(f);
    if (!fs::exists(f.path, ec)) throw error(fmt::format("dataset {}: its recipe made no file", f.did));
}

void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

std::size_t enforce_budget(const std::vector<stored_file>& all, std::uint64_t budget, const std::string& keep) {
    struct made {
        std::string path;
        std::uint64_t bytes;
        fs::file_time_type used;
    };
    std::vector<made> files;
    std::uint64_t total = 0;
    for (const auto& f : all) {
        if (f.recipe.empty()) continue;
        std::error_code ec;
        const auto size = fs::file_size(f.path, ec);
        if (ec) continue;
        files.push_back({f.path, size, fs::last_write_time(f.path, ec)});
        total += size;
    }
    std::sort(files.begin(), files.end(), [](const made& a, const made& b) { return a.used < b.used; });
    std::size_t gone = 0;
    for (const auto& f : files) {
        if (total <= budget) break;
        if (f.path == keep) continue;
        std::error_code ec;
        if (fs::remove(f.path, ec)) total -= f.bytes, ++gone;
    }
    return gone;
}

}  // namespace dax::image
