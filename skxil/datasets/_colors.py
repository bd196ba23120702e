def make_colors(): pass
class SameColorFeatures: pass
