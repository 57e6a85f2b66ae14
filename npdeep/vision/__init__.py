"""Vision applications of course 4, weeks 3-4: boxes, detection (YOLO), face verification and
neural style transfer."""
from npdeep.vision.anchors import (check_anchors, kmeans_anchors, load_anchors, mean_best_iou,
                                    wh_iou)
from npdeep.vision.boxes import batched_nms, centers_to_corners, corners_to_centers, iou, nms
from npdeep.vision.detection_eval import average_precision, mean_average_precision
from npdeep.vision.draw import draw_boxes, plot_boxes, plot_image
from npdeep.vision.eigenfaces import Eigenfaces
from npdeep.vision.face import Encoder, encode, enroll, recognize, verify
from npdeep.vision.face_evaluation import (evaluate_face_encoder, pair_distances,
                                           recognition_accuracy, roc_auc)
from npdeep.vision.face_training import (IdentityBatches, mine_triplets, train_encoder,
                                         triplet_accuracy, triplet_mining_loss)
from npdeep.vision.localization import (LandmarkHead, LocalizationHead, decode_localization,
                                         landmark_loss, localization_loss, localization_targets)
from npdeep.vision.shapes import CLASS_NAMES, ShapesDetection, single_shape_images
from npdeep.vision.sliding import sliding_windows, to_convolutional, window_stride
from npdeep.vision.style import (STYLE_LAYERS, content_cost, gram_matrix, style_cost,
                                 style_cost_layer, total_cost)
from npdeep.vision.style_transfer import transfer
# decode and detect stay npdeep.vision.yolo.decode / .detect: beside face's encode, a bare
# npdeep.vision.decode would not say what it decodes.
from npdeep.vision.yolo import (encode_targets, yolo_boxes_to_corners, yolo_eval,
                                yolo_filter_boxes, yolo_head, yolo_non_max_suppression,
                                yolo_predictions)
from npdeep.vision.yolo_loss import yolo_loss
