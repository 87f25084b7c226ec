# Reference estimates of the examiner-effect model from lme4 (run from this folder):
#   Rscript fit_lme4.R
# For each data set <name>.csv (entry_id, examiner_id, criterion, score) it writes
#   <name>_variances.csv  component, variance, theta (REML variance components, lme4's theta)
#   <name>_effects.csv    examiner_id, effect (conditional modes of the examiner effects)
#   <name>_fit.csv        REMLcrit, n_obs (lme4 REML criterion at the optimum)
# and versions.txt (R and lme4 versions).
suppressPackageStartupMessages(library(lme4))
sets <- c("demo2023", "disconnected", "unbiased_seed7", "boundary")
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5),
                    check.conv.singular = "ignore")
for (name in sets) {
  d <- read.csv(paste0(name, ".csv"), colClasses = c("character", "character", "character", "numeric"))
  d$entry <- factor(d$entry_id); d$examiner <- factor(d$examiner_id); d$criterion <- factor(d$criterion)
  fit <- lmer(score ~ 0 + entry:criterion + (1 | examiner) + (1 | examiner:entry), data = d,
              REML = TRUE, control = ctrl)
  vc <- as.data.frame(VarCorr(fit))
  th <- getME(fit, "theta")
  comp <- c("examiner" = "examiner", "examiner:entry" = "examiner_entry", "Residual" = "residual")
  out <- data.frame(component = comp[vc$grp], variance = sprintf("%.12g", vc$vcov),
                    theta = c(sprintf("%.12g", th[c("examiner:entry.(Intercept)", "examiner.(Intercept)")]), NA)[
                      match(vc$grp, c("examiner:entry", "examiner", "Residual"))])
  write.csv(out, paste0(name, "_variances.csv"), row.names = FALSE, quote = FALSE)
  re <- ranef(fit)$examiner
  write.csv(data.frame(examiner_id = rownames(re), effect = sprintf("%.12g", re[, 1])),
            paste0(name, "_effects.csv"), row.names = FALSE, quote = FALSE)
  write.csv(data.frame(REMLcrit = sprintf("%.12g", REMLcrit(fit)), n_obs = nobs(fit)),
            paste0(name, "_fit.csv"), row.names = FALSE, quote = FALSE)
}
writeLines(c(R.version.string, paste("lme4", packageVersion("lme4")),
             paste("Matrix", packageVersion("Matrix")),
             "optimizer: minqa bobyqa, rhoend = 1e-12 (a tighter stopping rule than the default, for a precise optimum)"),
           "versions.txt")
