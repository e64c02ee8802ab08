#pragma once
/// Virtual products (seed 000): a dataset whose file is not kept but made again on demand by a
/// registered recipe, and a size budget for the files so made (least recently used go first).
#include <dax/image/store.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dax::image {

/// Recipes by name: a maker writes a dataset's file at its path, whole or not at all.
class recipe_book {
public:
    using maker = std::function<void(const stored_file&)>;
    void add(std::string name, maker m) { makers_[std::move(name)] = std::move(m); }
    const maker* find(std::string_view recipe) const;

private:
    std::map<std::string, maker, std::less<>> makers_;
};

/// Makes the file of a virtual dataset when it is missing, one process at a time (an advisory
/// lock on "<path>.lock"); throws dax::error when the recipe is unknown or fails.
void make_file(const stored_file& f, const recipe_book& recipes);

/// Marks a made file as just used (its modification time), for the budget.
void touch(const std::string& path);

/// Deletes made files of the virtual datasets in `all`, least recently used first, until they
/// hold at most `budget` bytes; `keep` (a path) is never deleted. Returns how many went.
std::size_t enforce_budget(const std::vector<stored_file>& all, std::uint64_t budget, const std::string& keep = {});

}  // namespace dax::image
