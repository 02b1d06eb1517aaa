// The run-time search for cuBLAS and cuDNN (cuda/library_search.h), on a stand-in library built
// beside this driver: found through the path variable (a folder or the file), through a pip wheel's
// folder layout, refused without its probe symbol, and, when absent, every place looked is named.
// Runs in the dry run too: it needs no GPU.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "check/harness.h"
#include "cuda/library_search.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
constexpr const char* kVariable = "CTC4J_STANDIN_PATH";

ctc4j::LibrarySpec spec(const std::string& probe = "ctc4j_standin_version") {
  return {"stand-in", kVariable, {"libctc4j_standin.so"}, {"ctc4j_standin/lib"}, probe};
}

fs::path standin() { return fs::read_symlink("/proc/self/exe").parent_path() / "libctc4j_standin.so"; }

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Result check_search(const Context&, Random& rng) {
  Result r;
  r.tolerance = "found where placed, refused without its symbol, every place named when absent";
  const fs::path lib = standin();
  r.require(fs::exists(lib), "no stand-in library at " + lib.string());
  const fs::path root = fs::temp_directory_path() / ("ctc4j-libsearch-" + std::to_string(rng.integer(0, 1 << 30)));
  const fs::path site = root / "lib/python3.12/site-packages", wheel = site / "ctc4j_standin/lib";
  fs::create_directories(wheel);
  fs::copy_file(lib, wheel / lib.filename());

  unsetenv(kVariable);
  ctc4j::FoundLibrary absent = ctc4j::find_library(spec(), {});
  const std::string text = absent.describe("stand-in");
  r.require(absent.handle == nullptr, "found with nothing placed: " + absent.path);
  r.require(mentions(text, std::string(kVariable) + " unset") && mentions(text, "via LD_LIBRARY_PATH and the system") &&
                mentions(text, "no pip ctc4j_standin/lib in 0 site-packages folders"),
            "the absent library's description does not name every place: " + text);

  // The pip layout first: once loaded, the loader hands out the library by its bare soname.
  ctc4j::FoundLibrary by_pip = ctc4j::find_library(spec(), {site.string()});
  r.require(by_pip.path == (wheel / lib.filename()).string(), "not found in the pip layout: " + by_pip.describe("stand-in"));
  setenv(kVariable, lib.parent_path().c_str(), 1);
  ctc4j::FoundLibrary by_folder = ctc4j::find_library(spec(), {});
  r.require(by_folder.handle != nullptr && by_folder.path == lib.string(), "not found through the path variable's folder");
  setenv(kVariable, lib.c_str(), 1);
  r.require(ctc4j::find_library(spec(), {}).path == lib.string(), "not found through the path variable's file");
  unsetenv(kVariable);

  ctc4j::FoundLibrary wrong = ctc4j::find_library(spec("no_such_symbol"), {site.string()});
  r.require(wrong.handle == nullptr && mentions(wrong.describe("stand-in"), "has no no_such_symbol"),
            "a library without the probe symbol was taken: " + wrong.describe("stand-in"));
  r.detail += (r.detail.empty() ? "" : "; ") + ("absent: " + text);
  fs::remove_all(root);
  return r;
}

}  // namespace

void add_library_checks(std::vector<Check>& out) { out.push_back({"library_search.standin", false, check_search}); }

}  // namespace harness
