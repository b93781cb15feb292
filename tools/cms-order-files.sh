#!/bin/sh
# Extracts the CMS ICD-10-CM and ICD-10-PCS order files of FY2016-FY2025 (US-government
# works, public domain) from a clone of github.com/dewittpe/medicalcoder, which carries
# CMS's release zips under data-raw/icd/icd10/cms/, into DIR as codes-prep reads them
# (icd10cm_order_YYYY.txt.gz, icd10pcs_order_YYYY.txt.gz). Only the CMS data files are
# taken, none of the package's code.
# Usage: tools/cms-order-files.sh MEDICALCODER_GIT_DIR [DIR] (default target/cms-order-files)
set -eu
git_dir=$1
out=${2:-target/cms-order-files}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for y in 2016 2017 2018 2019 2020 2021 2022 2023 2024 2025; do
  for kind in dx:icd10cm pr:icd10pcs; do
    zip=${kind%%:*}; name=${kind#*:}
    git --git-dir="$git_dir" show "HEAD:data-raw/icd/icd10/cms/cms_${y}_${zip}.zip" >"$tmp/z.zip"
    member=$(unzip -Z1 "$tmp/z.zip" | grep "${name}_order_${y}.txt\$")
    unzip -p "$tmp/z.zip" "$member" | gzip -9n >"$out/${name}_order_${y}.txt.gz"
  done
done
ls -l "$out"
