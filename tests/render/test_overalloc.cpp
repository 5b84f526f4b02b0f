// Percentages exist only at render time; these pin how they read.
#include "fleetcap/render/overalloc.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

TEST_CASE("buffers print as the percentages they were given", "[overalloc]") {
  CHECK(format_bp(1500) == "15%");
  CHECK(format_bp(250) == "2.5%");
  CHECK(format_bp(1234) == "12.34%");
  CHECK(format_bp(507) == "5.07%");
  CHECK(format_bp(1) == "0.01%");
  CHECK(format_bp(0) == "0%");
  CHECK(format_bp(10000) == "100%");
}

TEST_CASE("shares have one decimal, rounded half up, without a trailing .0", "[overalloc]") {
  CHECK(format_share(27, 136) == "19.9%"); // 19.85
  CHECK(format_share(1, 2) == "50%");
  CHECK(format_share(27, 88) == "30.7%"); // 30.68
  CHECK(format_share(15, 48) == "31.3%"); // 31.25 rounds up
  CHECK(format_share(0, 48) == "0%");
  CHECK(format_share(1, 3) == "33.3%");
  CHECK(format_share(2, 3) == "66.7%");
  CHECK(format_share(5, 0) == "-");
}

TEST_CASE("the summary reads as the sentence a TPM pastes", "[overalloc]") {
  OverallocSummary s;
  s.clusters = 2;
  s.clusters_over_target = 1;
  s.assigned = 136;
  s.cut = 27;
  s.from = {22, 0, 5};
  s.jobs_preempted = 1;
  CHECK(summary_sentence(s) ==
        "1 of 2 clusters are over their target (50%); 27 of 136 assigned GPUs would be cut (19.9%): 22 from "
        "unscheduled quota, 0 from idle jobs, 5 from running jobs (1 job preempted)");
  s.jobs_preempted = 3;
  CHECK_THAT(summary_sentence(s), Catch::EndsWith("(3 jobs preempted)"));
}
