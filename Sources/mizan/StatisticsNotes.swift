/// Messages about the statistics options that the commands share.
enum StatisticsNotes {
    /// Printed when an old script passes `--resamples` (or `show --seed`): intervals are analytic now.
    static let resamplesIgnored = "note: --resamples (and show's --seed) no longer change anything: confidence intervals are computed "
        + "analytically (Clopper–Pearson, Korn–Graubard, Student t, Newcombe; see docs/statistics.md), so the same scores always "
        + "give the same interval; compare's --seed seeds the randomization test and --permutations sets its size"
}
