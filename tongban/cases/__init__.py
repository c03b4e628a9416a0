"""Applications and cases (统一申办受理 + 统一业务办理): forms filled, materials, numbering, lifecycle, time limits."""
