// Virtual products (dax/image/virtual_products.hpp): a recipe makes a missing file once, an
// unknown recipe is an error, and the size budget deletes the least recently used made files.
#include <dax/image/virtual_products.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

TEST_CASE("virtual products: made once by their recipe and kept under a budget") {
    const fs::path dir = fs::temp_directory_path() / ("dax_virtual" + std::to_string(::getpid()));
    fs::create_directories(dir);
    int made = 0;
    dax::image::recipe_book book;
    book.add("blob", [&](const dax::image::stored_file& f) {
        ++made;
        std::ofstream(f.path, std::ios::binary) << std::string(1000, 'x');
    });
    std::vector<dax::image::stored_file> files;
    for (int i = 0; i < 4; ++i) {
        dax::image::stored_file f;
        f.did = "ivo://x/" + std::to_string(i);
        f.path = (dir / ("f" + std::to_string(i))).string();
        f.recipe = "blob:" + std::to_string(i);
        files.push_back(f);
    }
    for (const auto& f : files) dax::image::make_file(f, book);
    dax::image::make_file(files[0], book);  // there already: not made again
    CHECK(made == 4);
    // Uses in order 2, 0, 3, 1 (modification times a second apart): 1 is the most recent.
    const auto now = fs::file_time_type::clock::now();
    int k = 0;
    for (int i : {2, 0, 3, 1}) fs::last_write_time(files[static_cast<std::size_t>(i)].path, now - std::chrono::seconds(10 - k++));
    dax::image::stored_file stored;  // a stored file is never the budget's to delete
    stored.path = (dir / "stored").string();
    std::ofstream(stored.path) << std::string(5000, 's');
    files.push_back(stored);
    CHECK(dax::image::enforce_budget(files, 2500, files[2].path) == 2);  // 2 is kept: 0 and 3 go
    CHECK(fs::exists(files[2].path));
    CHECK_FALSE(fs::exists(files[0].path));
    CHECK_FALSE(fs::exists(files[3].path));
    CHECK(fs::exists(files[1].path));
    CHECK(fs::exists(stored.path));
    dax::image::stored_file unknown = files[0];
    unknown.recipe = "nothing";
    CHECK_THROWS_AS(dax::image::make_file(unknown, book), dax::error);
    fs::remove_all(dir);
}
