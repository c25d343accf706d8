"""Survey formats other than Heard's own YAML: XLSForm workbooks (KoboToolbox, ODK) in and out."""
