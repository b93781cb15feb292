# Farrington flexible by R's surveillance package (Debian r-cran-surveillance) with its
# default control for one weekly series given as comma-separated counts on the command line
# (an sts of frequency 52 without dates); prints CSV rows week,expected,upperbound,score,
# pvalue,alarm (week 0-based) for every week tested. Called by oracle.py.
suppressMessages(library(surveillance))
counts <- as.numeric(strsplit(commandArgs(trailingOnly = TRUE)[1], ",")[[1]])
s <- sts(observed = matrix(counts, ncol = 1), frequency = 52)
first <- 52 * 5 + 3 + 1
if (length(counts) >= first) {
  res <- farringtonFlexible(s, control = list())
  ctl <- control(res)
  for (i in seq_len(nrow(observed(res)))) {
    cat(sprintf("%d,%.17g,%.17g,%.17g,%.17g,%d\n", first + i - 2, ctl$expected[i, 1],
                upperbound(res)[i, 1], ctl$score[i, 1], ctl$pvalue[i, 1],
                as.integer(alarms(res)[i, 1])))
  }
}
