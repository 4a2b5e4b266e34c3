"""The add-on's real image, run with podman (see scripts/test-addon-image,
which builds it and sets ROOST_ADDON_IMAGE and the podman configuration)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
