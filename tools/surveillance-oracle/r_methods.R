# EARS C1/C2 and CUSUM by R's surveillance package (Debian r-cran-surveillance) for one
# series given as comma-separated counts on the command line; prints CSV rows
# method,day,value1,value2,value3 (day 0-based). Called by oracle.py.
suppressMessages(library(surveillance))
counts <- as.numeric(strsplit(commandArgs(trailingOnly = TRUE)[1], ",")[[1]])
n <- length(counts)
s <- sts(observed = matrix(counts, ncol = 1), frequency = 365, start = c(2024, 1))
# zAlpha = qnorm(1 - alpha) = 3: the published EARS threshold of 3 standard deviations.
for (method in c("C1", "C2")) {
  res <- earsC(s, control = list(method = method, baseline = 7, alpha = 1 - pnorm(3)))
  first <- if (method == "C1") 8 else 10
  ub <- upperbound(res)[, 1]
  al <- alarms(res)[, 1]
  for (i in seq_along(ub)) {
    cat(sprintf("%s,%d,%.17g,%d,\n", method, first + i - 2, ub[i], as.integer(al[i])))
  }
}
if (n >= 29) {
  dp <- create.disProg(week = 1:n, observed = counts, state = rep(0, n))
  res <- algo.cusum(dp, control = list(range = 29:n, k = 1.04, h = 2.26, trans = "standard"))
  for (i in seq_along(res$cusum)) {
    cat(sprintf("cusum,%d,%.17g,%.17g,%d\n", 28 + i - 1, res$cusum[i], res$upperbound[i],
                as.integer(res$alarm[i])))
  }
}
